"""LocalStack plugins for `infra local`: the whole app on one machine, no Docker.

Each module closes one gap of LocalStack's community core (see README.md):
`executor` runs `provided.*` functions as host processes (`runtime_api` is the
Lambda Runtime API they talk to), `authorizer` enforces Lambda authorizers on
REST API requests (`policy` is its decision logic), `authorizer_resource`
deploys `AWS::ApiGateway::Authorizer`, and `providers` serves DynamoDB and
SES v2 from the bundled moto.
"""

// A REST API as `aws_constructs::apigateway::RestApi` makes it: regional, one
// stage `v1` with X-Ray tracing, throttling and JSON access logs, and JSON
// bodies for the 401 and 403 answers of API Gateway itself.
"use strict";

const apigateway = require("aws-cdk-lib/aws-apigateway");

/** The access log line, the same fields as ours. */
const ACCESS_LOG_FORMAT =
  '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","caller":"$context.identity.caller",' +
  '"user":"$context.identity.user","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",' +
  '"resourcePath":"$context.resourcePath","status":"$context.status","protocol":"$context.protocol",' +
  '"responseLength":"$context.responseLength","integrationLatency":"$context.integrationLatency",' +
  '"xrayTraceId":"$context.xrayTraceId","errorMessage":$context.error.messageString}';

/** The body of API Gateway's own error answers. */
const ERROR_TEMPLATE = '{"error":$context.error.messageString,"request_id":"$context.requestId"}';

/**
 * A REST API named `name`; `cloudWatchRole` sets the account's API Gateway
 * logging role (a Role and an `AWS::ApiGateway::Account`, both retained).
 */
function restApi(stack, { name, description, rateLimit, burstLimit, accessLogs, cloudWatchRole }) {
  const api = new apigateway.RestApi(stack, "Api", {
    restApiName: name,
    description,
    endpointTypes: [apigateway.EndpointType.REGIONAL],
    cloudWatchRole,
    deployOptions: {
      stageName: "v1",
      tracingEnabled: true,
      dataTraceEnabled: false,
      metricsEnabled: false,
      throttlingRateLimit: rateLimit,
      throttlingBurstLimit: burstLimit,
      accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
      accessLogFormat: apigateway.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
    },
  });
  api.addGatewayResponse("UnauthorizedResponse", {
    type: apigateway.ResponseType.UNAUTHORIZED,
    statusCode: "401",
    templates: { "application/json": ERROR_TEMPLATE },
  });
  api.addGatewayResponse("AccessDeniedResponse", {
    type: apigateway.ResponseType.ACCESS_DENIED,
    statusCode: "403",
    templates: { "application/json": ERROR_TEMPLATE },
  });
  return api;
}

module.exports = { restApi };

// The Orders stack (infra/src/app/orders.rs): POST /orders on a REST API behind
// a REQUEST authorizer that verifies HS256 JWTs signed with a generated secret;
// the orders go to a table whose items expire (TTL).
"use strict";

const { CfnOutput, Duration, Stack } = require("aws-cdk-lib");
const apigateway = require("aws-cdk-lib/aws-apigateway");
const dynamodb = require("aws-cdk-lib/aws-dynamodb");
const secretsmanager = require("aws-cdk-lib/aws-secretsmanager");
const { ENV, expiringTable, logGroup, rustFunction, stackKey } = require("./common");
const { restApi } = require("./rest-api");

/** Adds the Orders stack to `stage`; returns it, its JWT secret and the secret's key. */
function ordersStack(stage) {
  const stack = new Stack(stage, "Orders", {
    description: "Orders API: POST /orders behind a JWT REQUEST authorizer, orders stored for 24 hours",
  });
  const key = stackKey(stack, `Orders (${ENV.name}): table, JWT signing secret, function environments and logs`);

  const table = expiringTable(stack, "Table", key, { name: "record_id", type: dynamodb.AttributeType.STRING });
  // Records per principal per minute (the per-principal rate limit).
  const rateTable = expiringTable(
    stack,
    "RateTable",
    key,
    { name: "owner", type: dynamodb.AttributeType.STRING },
    { name: "window", type: dynamodb.AttributeType.NUMBER },
  );
  const secret = new secretsmanager.Secret(stack, "JwtSecret", {
    secretName: `orders/${ENV.name}/jwt-signing-key`,
    description: "HMAC key (HS256) that signs the JWTs the orders API accepts",
    encryptionKey: key,
    generateSecretString: { excludePunctuation: true, passwordLength: 64 },
    removalPolicy: ENV.removalPolicy,
  });

  const ordersApi = rustFunction(stack, "OrdersApiFunction", {
    crate: "orders-api",
    description: "POST /orders: validates the orders and stores them for 24 hours",
    key,
    concurrency: 5,
    environment: {
      ORDERS_TABLE_NAME: table.tableName,
      ORDERS_RATE_TABLE_NAME: rateTable.tableName,
      ORDERS_RATE_LIMIT_RECORDS: "1000",
      ORDERS_RATE_WINDOW_SECONDS: "60",
    },
  });
  key.grantDecrypt(ordersApi);
  table.grant(ordersApi, "dynamodb:PutItem");
  rateTable.grant(ordersApi, "dynamodb:UpdateItem");

  const authorizerFn = rustFunction(stack, "AuthorizerFunction", {
    crate: "authorizer",
    description: "REQUEST authorizer of the orders API: verifies HS256 JWTs",
    key,
    concurrency: 5,
    environment: { JWT_SECRET_ARN: secret.secretArn },
  });
  secret.grantRead(authorizerFn);

  const api = restApi(stack, {
    name: `orders-${ENV.name}`,
    description: "Orders API",
    rateLimit: 10,
    burstLimit: 20,
    accessLogs: logGroup(stack, "ApiAccessLogs", key),
    cloudWatchRole: true,
  });
  const authorizer = new apigateway.RequestAuthorizer(stack, "Authorizer", {
    handler: authorizerFn,
    identitySources: [apigateway.IdentitySource.header("Authorization")],
    resultsCacheTtl: Duration.minutes(5),
    authorizerName: "Authorizer",
  });
  api.root
    .addResource("orders")
    .addMethod("POST", new apigateway.LambdaIntegration(ordersApi, { allowTestInvoke: false }), {
      authorizer,
      authorizationType: apigateway.AuthorizationType.CUSTOM,
    });

  // The RestApi writes the stage URL as its `Endpoint` output (ours: `ApiUrl`).
  new CfnOutput(stack, "JwtSecretArn", {
    description: "ARN of the secret holding the JWT signing key",
    value: secret.secretArn,
  });
  new CfnOutput(stack, "TableName", { description: "Name of the orders table", value: table.tableName });
  return { stack, jwtSecret: secret, key };
}

module.exports = { ordersStack };

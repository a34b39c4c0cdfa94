// The TwoFactor stack (infra/src/app/two_factor.rs): POST /otp sends a
// single-use code by email, POST /otp/verify checks it and answers with a JWT
// signed with the Orders stack's key (a cross-stack reference).
"use strict";

const { CfnOutput, Stack } = require("aws-cdk-lib");
const apigateway = require("aws-cdk-lib/aws-apigateway");
const dynamodb = require("aws-cdk-lib/aws-dynamodb");
const iam = require("aws-cdk-lib/aws-iam");
const secretsmanager = require("aws-cdk-lib/aws-secretsmanager");
const { ENV, logGroup, rustFunction, stackKey } = require("./common");
const { restApi } = require("./rest-api");

/** The From address of the code emails (`-c otp.sender`, default). */
const SENDER = "no-reply@example.com";

/** Adds the TwoFactor stack to `stage`; the verify function signs with `orders.jwtSecret`. */
function twoFactorStack(stage, orders) {
  const stack = new Stack(stage, "TwoFactor", {
    description: "Two-factor codes: POST /otp sends a single-use code, POST /otp/verify returns a JWT",
  });
  const key = stackKey(stack, `Two-factor codes (${ENV.name}): table, hash key secret, function environments and logs`);
  const table = new dynamodb.Table(stack, "CodesTable", {
    partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    timeToLiveAttribute: "expires_at",
    removalPolicy: ENV.removalPolicy,
  });
  const hashKey = new secretsmanager.Secret(stack, "HashKeySecret", {
    secretName: `orders/${ENV.name}/otp-hash-key`,
    description: "HMAC key under which codes and addresses are stored",
    encryptionKey: key,
    generateSecretString: { excludePunctuation: true, passwordLength: 64 },
    removalPolicy: ENV.removalPolicy,
  });

  const otpFunction = (id, crate, description, environment) => {
    const fn = rustFunction(stack, id, {
      crate,
      description,
      key,
      concurrency: 5,
      environment: { OTP_TABLE_NAME: table.tableName, OTP_HASH_KEY_SECRET_ARN: hashKey.secretArn, ...environment },
    });
    key.grantEncryptDecrypt(fn);
    hashKey.grantRead(fn);
    return fn;
  };

  const create = otpFunction("CreateFunction", "otp-create", "POST /otp: sends a single-use code by email (or SMS)", {
    OTP_SENDER: SENDER,
  });
  table.grant(create, "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");
  create.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ["ses:SendEmail"],
      resources: [SENDER, SENDER.split("@")[1]].map((identity) =>
        stack.formatArn({ service: "ses", resource: "identity", resourceName: identity }),
      ),
    }),
  );

  const verify = otpFunction(
    "VerifyFunction",
    "otp-verify",
    "POST /otp/verify: checks a code and returns a JWT the orders API accepts",
    { JWT_SECRET_ARN: orders.jwtSecret.secretArn },
  );
  // `orders.jwtSecret.grantRead(verify)` would also grant the verify role in the
  // Orders key's policy (a Secrets Manager via-service grant), a reference from
  // Orders back to this stack: a dependency cycle. So the role gets the grants.
  iam.Grant.addToPrincipal({
    grantee: verify,
    actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
    resourceArns: [orders.jwtSecret.secretArn],
  });
  orders.key.grantDecrypt(verify);
  table.grant(verify, "dynamodb:GetItem", "dynamodb:UpdateItem");

  const api = restApi(stack, {
    name: `orders-otp-${ENV.name}`,
    description: "Two-factor codes",
    rateLimit: 5,
    burstLimit: 10,
    accessLogs: logGroup(stack, "ApiAccessLogs", key),
    // The Orders stack (deployed first) sets the account's logging role.
    cloudWatchRole: false,
  });
  const otp = api.root.addResource("otp");
  otp.addMethod("POST", new apigateway.LambdaIntegration(create, { allowTestInvoke: false }));
  otp.addResource("verify").addMethod("POST", new apigateway.LambdaIntegration(verify, { allowTestInvoke: false }));
  // The stage needs the account's logging role that Orders sets.
  stack.addStackDependency(orders.stack);

  new CfnOutput(stack, "TableName", { description: "Name of the codes table", value: table.tableName });
  return stack;
}

module.exports = { twoFactorStack };

// The TwoFactor stack (infra/src/app/two_factor.rs): POST /otp sends a
// single-use code by email, POST /otp/verify checks it and answers with a JWT
// signed with the Orders stack's key (a cross-stack reference).
"use strict";

const { CfnOutput, Duration, Stack } = require("aws-cdk-lib");
const cloudwatch = require("aws-cdk-lib/aws-cloudwatch");
const cloudwatchActions = require("aws-cdk-lib/aws-cloudwatch-actions");
const apigateway = require("aws-cdk-lib/aws-apigateway");
const dynamodb = require("aws-cdk-lib/aws-dynamodb");
const iam = require("aws-cdk-lib/aws-iam");
const secretsmanager = require("aws-cdk-lib/aws-secretsmanager");
const { ENV, expiringTable, logGroup, privateTopic, rustFunction, stackKey } = require("./common");
const { restApi } = require("./rest-api");

/** The From address of the code emails (`-c otp.sender`, default). */
const SENDER = "no-reply@example.com";

/** Adds the TwoFactor stack to `stage`; the verify function signs with `orders.jwtSecret`. */
function twoFactorStack(stage, orders) {
  const stack = new Stack(stage, "TwoFactor", {
    description: "Two-factor codes: POST /otp sends a single-use code, POST /otp/verify returns a JWT",
  });
  const key = stackKey(stack, `Two-factor codes (${ENV.name}): table, hash key secret, function environments and logs`);
  const table = expiringTable(stack, "CodesTable", key, { name: "pk", type: dynamodb.AttributeType.STRING });
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
    OTP_MAX_ATTEMPTS: "5",
    OTP_DAILY_BUDGET: "1000",
    OTP_DOMAIN_DAILY_LIMIT: "250",
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
    {
      JWT_SECRET_ARN: orders.jwtSecret.secretArn,
      JWT_ISSUER: `urn:orders:${ENV.name}:auth`,
      JWT_AUDIENCE: `urn:orders:${ENV.name}:api`,
      OTP_MAX_ATTEMPTS: "5",
    },
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

  // The daily send budget's alarm, notifying an encrypted topic.
  const alarmTopic = privateTopic(stack, "AlarmTopic", key, `Two-factor alarms (${ENV.name})`);
  const alarm = new cloudwatch.Alarm(stack, "DailyBudgetAlarm", {
    alarmName: `${stack.stackName}-DailyBudgetExhausted`,
    alarmDescription: "POST /otp refused sends: the daily budget (otp.dailyBudget) is spent.",
    metric: new cloudwatch.Metric({
      namespace: "Orders/TwoFactor",
      metricName: "DailyBudgetExhausted",
      dimensionsMap: { FunctionName: create.functionName },
      statistic: "Sum",
      period: Duration.minutes(5),
    }),
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new cloudwatchActions.SnsAction(alarmTopic));
  alarmTopic.grantPublish(new iam.ServicePrincipal("cloudwatch.amazonaws.com"));
  key.grant(new iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*");

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
  new CfnOutput(stack, "AlarmTopicArn", {
    description: "Topic the daily budget alarm notifies: subscribe to it",
    value: alarmTopic.topicArn,
  });
  return stack;
}

module.exports = { twoFactorStack };

// What the stacks of the app share, as the Rust app's `app::Env` and
// `aws_constructs` give it: the stack's customer-managed key, encrypted log
// groups kept 14 days, Rust functions (provided.al2023, arm64) whose code is
// the crate directory under functions/, private buckets and topics.
"use strict";

const path = require("path");
const { Duration, RemovalPolicy } = require("aws-cdk-lib");
const dynamodb = require("aws-cdk-lib/aws-dynamodb");
const iam = require("aws-cdk-lib/aws-iam");
const kms = require("aws-cdk-lib/aws-kms");
const lambda = require("aws-cdk-lib/aws-lambda");
const logs = require("aws-cdk-lib/aws-logs");
const s3 = require("aws-cdk-lib/aws-s3");
const sns = require("aws-cdk-lib/aws-sns");

/** The workspace root: function code is `<root>/functions/<crate>`. */
const ROOT = path.resolve(__dirname, "../../../..");

/** The `dev` environment's settings (`-c env=dev`, the default of `infra synth`). */
const ENV = {
  name: "dev",
  removalPolicy: RemovalPolicy.DESTROY,
  logRetention: logs.RetentionDays.TWO_WEEKS,
};

/**
 * The stack's key: rotated, 7 days' deletion window, and usable by CloudWatch
 * Logs for the stack's log groups (as `aws_constructs::kms::Key`).
 */
function stackKey(stack, description) {
  const key = new kms.Key(stack, "Key", {
    description,
    enableKeyRotation: true,
    pendingWindow: Duration.days(7),
    removalPolicy: ENV.removalPolicy,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
      resources: ["*"],
      conditions: {
        ArnLike: {
          "kms:EncryptionContext:aws:logs:arn": stack.formatArn({
            service: "logs",
            resource: "log-group",
            resourceName: "*",
            arnFormat: "arn:aws:service:region:account:resource:resourceName",
          }),
        },
      },
    }),
  );
  return key;
}

/** A log group encrypted with `key`, kept 14 days, deleted with the stack. */
function logGroup(scope, id, key) {
  return new logs.LogGroup(scope, id, {
    encryptionKey: key,
    retention: ENV.logRetention,
    removalPolicy: ENV.removalPolicy,
  });
}

/**
 * A Rust function as `aws_constructs::lambda::RustFunction` makes it: the
 * crate directory as a file asset (hashed at synthesis), its own encrypted
 * log group written in JSON, X-Ray tracing, the environment encrypted with
 * the stack's key, and a role that may write only to its log group (the
 * AWSLambdaBasicExecutionRole managed policy the CDK attaches is removed:
 * our functions get the scoped statement instead).
 */
function rustFunction(stack, id, { crate, description, key, concurrency, timeoutSeconds, environment, ...rest }) {
  const group = logGroup(stack, `${id}LogGroup`, key);
  const fn = new lambda.Function(stack, id, {
    code: lambda.Code.fromAsset(path.join(ROOT, "functions", crate)),
    handler: "bootstrap",
    runtime: lambda.Runtime.PROVIDED_AL2023,
    architecture: lambda.Architecture.ARM_64,
    description,
    memorySize: 256,
    timeout: Duration.seconds(timeoutSeconds || 10),
    reservedConcurrentExecutions: concurrency,
    tracing: lambda.Tracing.ACTIVE,
    loggingFormat: lambda.LoggingFormat.JSON,
    logGroup: group,
    environment,
    environmentEncryption: key,
    ...rest,
  });
  fn.role.node.defaultChild.addPropertyDeletionOverride("ManagedPolicyArns");
  group.grantWrite(fn);
  key.grantDecrypt(fn);
  return fn;
}

/** A bucket encrypted with `key` (bucket key), TLS only, versioned, private. */
function privateBucket(stack, id, key, noncurrentDays) {
  return new s3.Bucket(stack, id, {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    enforceSSL: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [{ id: "expire-noncurrent-versions", noncurrentVersionExpiration: Duration.days(noncurrentDays) }],
    removalPolicy: ENV.removalPolicy,
  });
}

/** A topic encrypted with `key` that refuses publishing without TLS. */
function privateTopic(stack, id, key, displayName) {
  return new sns.Topic(stack, id, { displayName, masterKey: key, enforceSSL: true });
}

/**
 * An on-demand table encrypted with `key`, point-in-time recovery on, whose items expire at
 * their `expires_at`; `sortKey` is optional. Keys are `{ name, type }` (dynamodb.AttributeType).
 */
function expiringTable(stack, id, key, partitionKey, sortKey) {
  return new dynamodb.Table(stack, id, {
    partitionKey,
    sortKey,
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    timeToLiveAttribute: "expires_at",
    removalPolicy: ENV.removalPolicy,
  });
}

module.exports = { ENV, ROOT, expiringTable, logGroup, privateBucket, privateTopic, rustFunction, stackKey };

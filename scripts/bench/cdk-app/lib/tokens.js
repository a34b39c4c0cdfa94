// The Tokens stack (infra/src/app/tokens.rs): on a schedule, the OAuth token
// collector refreshes each provider's access token (client credentials read
// from Secrets Manager), stores it in a KMS-encrypted bucket and tells a topic.
"use strict";

const { CfnOutput, Duration, Stack } = require("aws-cdk-lib");
const events = require("aws-cdk-lib/aws-events");
const targets = require("aws-cdk-lib/aws-events-targets");
const iam = require("aws-cdk-lib/aws-iam");
const secretsmanager = require("aws-cdk-lib/aws-secretsmanager");
const { ENV, privateBucket, privateTopic, rustFunction, stackKey } = require("./common");

/** The default provider (`-c oauth.providers=example/demo`) and its secret. */
const PROVIDER = { tool: "example", org: "demo" };
/** Where the tokens are stored in the bucket. */
const TOKENS_PREFIX = "tokens/";

/** Adds the Tokens stack to `stage`. */
function tokensStack(stage) {
  const stack = new Stack(stage, "Tokens", {
    description: "OAuth token collector: scheduled client-credentials refresh, tokens stored encrypted",
  });
  const key = stackKey(
    stack,
    `OAuth tokens (${ENV.name}): token objects, notifications, logs and function environment`,
  );
  const bucket = privateBucket(stack, "TokensBucket", key, 1);
  const topic = privateTopic(stack, "NotificationsTopic", key, `OAuth token collector (${ENV.name})`);

  const collector = rustFunction(stack, "Collector", {
    crate: "oauth-collector",
    description: "Refreshes the OAuth access tokens of the configured providers",
    key,
    concurrency: 1,
    timeoutSeconds: 120,
    // The collector notifies each failure itself; Lambda's retries would repeat them.
    retryAttempts: 0,
    deadLetterTopic: topic,
    environment: {
      NOTIFY_TOPIC_ARN: topic.topicArn,
      OAUTH_APP: "orders",
      OAUTH_PROVIDERS: `${PROVIDER.tool}/${PROVIDER.org}`,
      REFRESH_BUFFER_SECONDS: "600",
      TOKENS_BUCKET_NAME: bucket.bucketName,
      TOKENS_KMS_KEY_ARN: key.keyArn,
    },
  });

  secretsmanager.Secret.fromSecretNameV2(stack, "ProviderSecret", `orders/${PROVIDER.tool}/${PROVIDER.org}`).grantRead(
    collector,
  );
  const objects = bucket.arnForObjects(`${TOKENS_PREFIX}*`);
  collector.addToRolePolicy(new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: [objects] }));
  bucket.grantPut(collector, `${TOKENS_PREFIX}*`);
  // Listing the prefix makes S3 answer 404, not 403, for a token not stored yet.
  collector.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ["s3:ListBucket"],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { "s3:prefix": `${TOKENS_PREFIX}*` } },
    }),
  );
  key.grant(collector, "kms:Decrypt", "kms:GenerateDataKey");
  topic.grantPublish(collector);

  new events.Rule(stack, "Schedule", {
    description: "Runs the OAuth token collector",
    schedule: events.Schedule.rate(Duration.minutes(5)),
    targets: [new targets.LambdaFunction(collector)],
  });

  new CfnOutput(stack, "TokensBucketName", {
    description: "Bucket holding tokens/{tool}/{org}.json (SSE-KMS)",
    value: bucket.bucketName,
  });
  new CfnOutput(stack, "NotificationsTopicArn", {
    description: "Topic told of every refresh and failure",
    value: topic.topicArn,
  });
  return stack;
}

module.exports = { tokensStack };

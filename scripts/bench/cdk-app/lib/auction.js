// The Auction stack (infra/src/app/auction.rs): a state machine polls the
// results generator until results are ready, then runs the order processor
// for each order (Map), publishing each failed order to a topic; a schedule
// starts it every 5 minutes.
"use strict";

const { Duration, Stack } = require("aws-cdk-lib");
const events = require("aws-cdk-lib/aws-events");
const targets = require("aws-cdk-lib/aws-events-targets");
const sfn = require("aws-cdk-lib/aws-stepfunctions");
const tasks = require("aws-cdk-lib/aws-stepfunctions-tasks");
const { ENV, logGroup, privateBucket, privateTopic, rustFunction, stackKey } = require("./common");

/** Invocations of the results generator before the execution fails. */
const MAX_ATTEMPTS = 10;
/** Seconds between two invocations. */
const WAIT_SECONDS = 30;
/** Orders processed at once by one execution. */
const MAP_CONCURRENCY = 5;

/** Retries of the errors the Lambda service raises on its own (ours: `lambda_retry`). */
const LAMBDA_RETRY = {
  errors: [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
  ],
  interval: Duration.seconds(2),
  maxAttempts: 6,
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

/** The state machine's definition: see infra/src/app/auction.rs. */
function definition(stack, generator, processor, topic) {
  const processOrder = new tasks.LambdaInvoke(stack, "ProcessOrder", {
    lambdaFunction: processor,
    comment: "Saves an accepted order; fails with OrderRejected or MalformedOrder",
    payload: sfn.TaskInput.fromJsonPathAt("$.order"),
    resultSelector: { "Payload.$": "$.Payload" },
    resultPath: "$.result",
    retryOnServiceExceptions: false,
  })
    .addRetry(LAMBDA_RETRY)
    .addRetry({ errors: ["ResultsWriteFailed"], interval: Duration.seconds(1), maxAttempts: 3, backoffRate: 2 });
  const notify = new tasks.SnsPublish(stack, "NotifyOrderFailure", {
    topic,
    comment: "Publishes the order and its error; the other orders go on",
    message: sfn.TaskInput.fromJsonPathAt("$"),
    subject: "Auction order failed",
    resultSelector: { "MessageId.$": "$.MessageId" },
    resultPath: "$.notification",
  });
  processOrder.addCatch(notify, { errors: ["OrderRejected", "MalformedOrder"], resultPath: "$.error" });
  processOrder.addCatch(notify, { errors: [sfn.Errors.ALL], resultPath: "$.error" });

  const getResults = new tasks.LambdaInvoke(stack, "GetResults", {
    lambdaFunction: generator,
    comment: "Lambda A: {results: bool, orders: [...]}",
    resultSelector: { "Payload.$": "$.Payload" },
    resultPath: "$.generator",
    retryOnServiceExceptions: false,
  }).addRetry(LAMBDA_RETRY);
  const countAttempt = new sfn.Pass(stack, "CountAttempt", {
    parameters: { count: sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt("$.attempts.count"), 1) },
    resultPath: "$.attempts",
  }).next(getResults);
  const wait = new sfn.Wait(stack, "WaitForResults", {
    time: sfn.WaitTime.duration(Duration.seconds(WAIT_SECONDS)),
  }).next(countAttempt);
  const processOrders = new sfn.Map(stack, "ProcessOrders", {
    itemsPath: "$.generator.Payload.orders",
    itemSelector: {
      order: sfn.JsonPath.stringAt("$$.Map.Item.Value"),
      index: sfn.JsonPath.stringAt("$$.Map.Item.Index"),
    },
    maxConcurrency: MAP_CONCURRENCY,
    resultPath: "$.processed",
  })
    .itemProcessor(processOrder, { mode: sfn.ProcessorMode.INLINE })
    .next(new sfn.Succeed(stack, "Done"));
  const notReady = new sfn.Fail(stack, "ResultsNotReady", {
    error: "ResultsNotReady",
    cause: `the results generator did not return results after ${MAX_ATTEMPTS} attempts, ${WAIT_SECONDS} s apart`,
  });
  const ready = new sfn.Choice(stack, "ResultsReady")
    .when(
      sfn.Condition.and(
        sfn.Condition.isPresent("$.generator.Payload.results"),
        sfn.Condition.booleanEquals("$.generator.Payload.results", true),
      ),
      processOrders,
    )
    .when(sfn.Condition.numberGreaterThanEquals("$.attempts.count", MAX_ATTEMPTS), notReady)
    .otherwise(wait);

  return new sfn.Pass(stack, "Initialize", {
    result: sfn.Result.fromObject({ count: 1 }),
    resultPath: "$.attempts",
  })
    .next(getResults)
    .next(ready);
}

/** Adds the Auction stack to `stage`. */
function auctionStack(stage) {
  const stack = new Stack(stage, "Auction", {
    description: "Auction pipeline: results polling, order processing, notifications",
  });
  const key = stackKey(stack, "Auction pipeline: results bucket, notifications topic, logs and function environments");
  const bucket = privateBucket(stack, "ResultsBucket", key, 90);
  const topic = privateTopic(stack, "NotificationsTopic", key, `Auction notifications (${ENV.name})`);

  const generator = rustFunction(stack, "ResultsGenerator", {
    crate: "results-generator",
    description: "Lambda A: returns whether the auction's results are ready, and its orders",
    key,
    concurrency: 2,
  });
  const processor = rustFunction(stack, "OrderProcessor", {
    crate: "order-processor",
    description: "Lambda B: saves an accepted order to the results bucket, fails on a rejected one",
    key,
    concurrency: 2 * MAP_CONCURRENCY,
    environment: { RESULTS_BUCKET_NAME: bucket.bucketName, RESULTS_KMS_KEY_ID: key.keyArn },
  });
  bucket.grantPut(processor);

  const machine = new sfn.StateMachine(stack, "StateMachine", {
    comment: "Auction pipeline: poll the results generator, then process each order",
    definitionBody: sfn.DefinitionBody.fromChainable(definition(stack, generator, processor, topic)),
    stateMachineType: sfn.StateMachineType.STANDARD,
    tracingEnabled: true,
    logs: {
      destination: logGroup(stack, "StateMachineLogGroup", key),
      level: sfn.LogLevel.ALL,
      includeExecutionData: false,
    },
  });
  topic.grantPublish(machine);

  new events.Rule(stack, "Schedule", {
    description: "Starts the auction pipeline every 5 minutes",
    schedule: events.Schedule.rate(Duration.minutes(5)),
    targets: [new targets.SfnStateMachine(machine)],
  });
  return stack;
}

module.exports = { auctionStack };

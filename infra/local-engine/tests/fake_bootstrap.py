#!/usr/bin/env python3
"""A `provided.*` function for the executor tests, speaking the Lambda Runtime API.

The event says what to do: {"do": "echo" | "fail" | "sleep" | "exit", "seconds": N}.
It prints one line per event (its "log"), as a real function would.
With FAKE_INIT=error it reports an init error; with FAKE_INIT=exit it exits before polling.
"""

import json
import os
import sys
import time
import urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"


def post(path, body):
    request = urllib.request.Request(API + path, data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(request).read()


if os.environ.get("FAKE_INIT") == "exit":
    print("giving up before the first event", flush=True)
    sys.exit(3)
if os.environ.get("FAKE_INIT") == "error":
    post("/init/error", {"errorType": "Runtime.ConfigError", "errorMessage": "TABLE_NAME is not set"})
    sys.exit(1)

while True:
    with urllib.request.urlopen(API + "/invocation/next") as response:
        request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
        deadline = int(response.headers["Lambda-Runtime-Deadline-Ms"])
        event = json.loads(response.read())
    print(json.dumps({"request_id": request_id, "do": event["do"]}), flush=True)
    if event["do"] == "echo":
        answer = {"event": event, "deadline_ms": deadline, "cwd": os.getcwd(),
                  "execution_env": os.environ.get("AWS_EXECUTION_ENV")}
        post(f"/invocation/{request_id}/response", answer)
    elif event["do"] == "fail":
        post(f"/invocation/{request_id}/error", {"errorType": "OrderRejected", "errorMessage": "rejected"})
    elif event["do"] == "sleep":
        time.sleep(event["seconds"])
        post(f"/invocation/{request_id}/response", {"slept": event["seconds"]})
    elif event["do"] == "exit":
        sys.exit(7)

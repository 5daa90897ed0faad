"""moto's server with the SQS fixes that applying the examples needs (see emulator-apply.mjs).

    python3 scripts/terraform/moto_server.py -H 127.0.0.1 -p PORT

moto 5.2 differs from SQS in two ways that break the AWS provider; they are patched here, in the harness, so that
the module stays written for AWS:

1. SetQueueAttributes without a Policy drops the queue's Policy (moto rebuilds the policy from the call's
   attributes). aws_sqs_queue_redrive_policy then silently removes what aws_sqs_queue_policy set, and the next
   plan wants the policy back. SQS changes only the attributes a call names.
2. RedriveAllowPolicy is stored but GetQueueAttributes neither returns it with "All" nor accepts its name, so
   aws_sqs_queue_redrive_allow_policy waits forever for the value it set to appear.

Each patch checks the moto internals it relies on, so a moto release that moves them fails here, loudly, instead
of quietly un-patching.
"""

import os
import sys
import threading
import time

from moto.server import main
from moto.sqs import models

REDRIVE_ALLOW_POLICY = "RedriveAllowPolicy"


def require(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"moto_server.py: moto's SQS internals changed ({what}); revisit the patches in this file")


def keep_policy_unless_named() -> None:
    original = models.SQSBackend.set_queue_attributes
    require(callable(original), "SQSBackend.set_queue_attributes")
    require(isinstance(getattr(models.Queue, "policy", None), property), "Queue.policy property")

    def set_queue_attributes(self, queue_name, attributes):
        if "Policy" not in attributes:
            # Queue._set_attributes always assigns Policy; hand it the current one so it survives.
            attributes = {**attributes, "Policy": self.get_queue(queue_name).policy}
        return original(self, queue_name, attributes)

    models.SQSBackend.set_queue_attributes = set_queue_attributes


def expose_redrive_allow_policy() -> None:
    require(isinstance(models.Queue.BASE_ATTRIBUTES, list), "Queue.BASE_ATTRIBUTES")
    original = models.Queue._set_attributes
    require(callable(original), "Queue._set_attributes")
    if REDRIVE_ALLOW_POLICY not in models.Queue.BASE_ATTRIBUTES:
        # Listed, the name is accepted by GetQueueAttributes and returned with "All"; unset, it reads as absent.
        models.Queue.BASE_ATTRIBUTES.append(REDRIVE_ALLOW_POLICY)
    models.Queue.redrive_allow_policy = None

    def set_attributes(self, attributes, now=None):
        original(self, attributes, now)
        # SQS removes the attribute when it is set to an empty string (the provider's delete).
        if attributes.get(REDRIVE_ALLOW_POLICY) == "":
            self.redrive_allow_policy = None

    models.Queue._set_attributes = set_attributes


def exit_with_parent() -> None:
    """The harness stops this server; should the harness itself be killed (SIGKILL), the server goes too."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


if __name__ == "__main__":
    exit_with_parent()
    keep_policy_unless_named()
    expose_redrive_allow_policy()
    main(sys.argv[1:])

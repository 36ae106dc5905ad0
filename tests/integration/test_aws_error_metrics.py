"""AWS error answers reach the metrics through botocore's events, whichever client made them."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from bot.aws.error_metrics import install_aws_error_counter
from bot.aws.session import make_client
from bot.runtime.observability import Metrics


def test_error_answers_are_counted_by_service_and_code() -> None:
    metrics = Metrics()
    install_aws_error_counter(metrics.observe_aws_error)
    try:
        with mock_aws():
            iam = make_client(boto3.Session(region_name="us-east-1"), "iam")
            iam.get_account_summary()  # a success counts nothing
            with pytest.raises(ClientError):
                iam.get_user(UserName="nobody")
            with pytest.raises(ClientError):
                iam.get_role(RoleName="nothing")
        value = metrics.registry.get_sample_value(
            "iam_audit_aws_errors_total", {"service": "iam", "code": "NoSuchEntity"}
        )
        assert value == 2
    finally:
        install_aws_error_counter(lambda _service, _code: None)  # later tests count nowhere


def test_installing_twice_swaps_the_sink_instead_of_counting_twice() -> None:
    seen: list[tuple[str, str]] = []
    install_aws_error_counter(lambda s, c: seen.append(("first", c)))
    install_aws_error_counter(lambda s, c: seen.append(("second", c)))
    try:
        with mock_aws(), pytest.raises(ClientError):
            make_client(boto3.Session(region_name="us-east-1"), "iam").get_user(UserName="x")
        assert seen == [("second", "NoSuchEntity")]
    finally:
        install_aws_error_counter(lambda _service, _code: None)

"""Access Analyzer's view of a principal's unused access, for right-sizing (optional source).

The active unused-access analyzer of the region (ListAnalyzers), the principal's ACTIVE
UnusedPermission findings (ListFindingsV2 filtered by resource, GetFindingV2 for the services and
actions) and the recommendation for each finding (GenerateFindingRecommendation, then
GetFindingRecommendation polled). A refusal or an account without such an analyzer becomes a
note, not a failure: IAM's last-accessed report is the evidence that decides.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from bot.aws.aws_jobs import DEFAULT_POLLING, Counter, Polling, call, poll
from bot.model.errors import CollectionError
from bot.rightsize.usage import AnalyzerUsage

log = logging.getLogger(__name__)

RECOMMENDATION_ACTIONS = (
    "access-analyzer:ListAnalyzers",
    "access-analyzer:ListFindings",
    "access-analyzer:GetFinding",
    "access-analyzer:GenerateFindingRecommendation",
    "access-analyzer:GetFindingRecommendation",
)
UNUSED_ANALYZER_TYPES = ("ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS")
MAX_FINDINGS = 20


def read_analyzer_usage(
    client: Any,
    principal_arn: str,
    *,
    polling: Polling = DEFAULT_POLLING,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    counter: Counter | None = None,
) -> tuple[AnalyzerUsage | None, str]:
    """(Access Analyzer's view, a note); (None, why) when there is no unused-access analyzer
    or it could not be read."""
    counter = counter or Counter()
    try:
        analyzers = (
            call(counter, client, "ListAnalyzers", RECOMMENDATION_ACTIONS[0]).get("analyzers") or []
        )
    except CollectionError as exc:
        return None, f"Access Analyzer not read: {exc}"
    unused = [
        a
        for a in analyzers
        if a.get("type") in UNUSED_ANALYZER_TYPES and a.get("status") == "ACTIVE"
    ]
    if not unused:
        return None, (
            "no active unused-access analyzer in this region: only IAM last-accessed data was"
            " used (`/iam-audit analyzer enable unused` creates one)"
        )
    analyzer_arn = str(unused[0]["arn"])
    try:
        summaries: list[dict[str, Any]] = []
        token: str | None = None
        while len(summaries) < MAX_FINDINGS:
            page = call(
                counter,
                client,
                "ListFindingsV2",
                RECOMMENDATION_ACTIONS[1],
                analyzerArn=analyzer_arn,
                filter={
                    "resource": {"eq": [principal_arn]},
                    "status": {"eq": ["ACTIVE"]},
                    "findingType": {"eq": ["UnusedPermission"]},
                },
                **({"nextToken": token} if token else {}),
            )
            # AWS applies the filter; checking again costs nothing and guards a loose one.
            summaries.extend(
                item
                for item in page.get("findings") or []
                if item.get("resource") == principal_arn
                and item.get("findingType") == "UnusedPermission"
            )
            token = page.get("nextToken")
            if not token:
                break
        services: set[str] = set()
        actions: set[str] = set()
        ids: list[str] = []
        recommended: list[dict[str, Any]] = []
        steps: list[str] = []
        for summary in summaries[:MAX_FINDINGS]:
            finding_id = str(summary["id"])
            ids.append(finding_id)
            detail = call(
                counter,
                client,
                "GetFindingV2",
                RECOMMENDATION_ACTIONS[2],
                analyzerArn=analyzer_arn,
                id=finding_id,
            )
            for entry in detail.get("findingDetails") or []:
                unused_detail = entry.get("unusedPermissionDetails") or {}
                namespace = unused_detail.get("serviceNamespace")
                if not namespace:
                    continue
                listed = [a.get("action") for a in unused_detail.get("actions") or []]
                if listed:
                    actions.update(a if ":" in a else f"{namespace}:{a}" for a in listed if a)
                else:
                    services.add(str(namespace))
            try:
                recommendation = _recommendation(
                    client,
                    analyzer_arn,
                    finding_id,
                    waiting=(polling, sleep, monotonic),
                    counter=counter,
                )
            except CollectionError as exc:
                log.info("no recommendation for finding %s: %s", finding_id, exc)
                recommendation = {}
            for step in recommendation.get("recommendedSteps") or []:
                detail_step = step.get("unusedPermissionsRecommendedStep") or {}
                steps.append(str(detail_step.get("recommendedAction") or ""))
                if detail_step.get("recommendedPolicy"):
                    recommended.append(
                        {
                            "existing_policy": detail_step.get("existingPolicyId", ""),
                            "policy": detail_step["recommendedPolicy"],
                        }
                    )
    except CollectionError as exc:
        return None, f"Access Analyzer not read: {exc}"
    summary_text = (
        f"{len(steps)} recommended step{'' if len(steps) == 1 else 's'}:"
        f" {', '.join(sorted(set(filter(None, steps))))}"
        if steps
        else ""
    )
    return (
        AnalyzerUsage(
            analyzer_arn=analyzer_arn,
            finding_ids=tuple(ids),
            unused_services=tuple(sorted(services)),
            unused_actions=tuple(sorted(actions)),
            recommendation=summary_text,
            recommended_policies=tuple(recommended),
        ),
        "",
    )


def _recommendation(
    client: Any,
    analyzer_arn: str,
    finding_id: str,
    *,
    waiting: tuple[Polling, Callable[[float], None], Callable[[], float]],
    counter: Counter,
) -> dict[str, Any]:
    polling, sleep, monotonic = waiting
    call(
        counter,
        client,
        "GenerateFindingRecommendation",
        RECOMMENDATION_ACTIONS[3],
        analyzerArn=analyzer_arn,
        id=finding_id,
    )
    result = poll(
        lambda: call(
            counter,
            client,
            "GetFindingRecommendation",
            RECOMMENDATION_ACTIONS[4],
            analyzerArn=analyzer_arn,
            id=finding_id,
        ),
        lambda r: str(r.get("status") or ""),
        what=f"Access Analyzer's recommendation for finding {finding_id}",
        polling=polling,
        sleep=sleep,
        monotonic=monotonic,
    )
    if result.get("status") == "FAILED":
        error = result.get("error") or {}
        log.info("recommendation for %s failed: %s", finding_id, error)
        return {}
    return result

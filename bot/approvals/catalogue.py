"""The policies/ catalogue: named policy documents people can ask to apply (read-only here).

policies/catalogue.json lists each template's name, description, purpose and file; the file holds
the policy document. The directory is the one given (IAM_AUDIT_POLICIES_DIR, passed in by the
caller: this module reads no environment), else policies/ next to the source tree (a checkout),
else ./policies (the container image copies it to /app/policies, its working directory).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.model.bounded_read import read_config_text
from bot.model.errors import InputError
from bot.model.safe_parse import UnsafeInput, parse_json

CATALOGUE_SCHEMA = "iam-audit/policy-catalogue/1"
DEFAULT_POLICIES_DIR = Path(__file__).resolve().parents[2] / "policies"


@dataclass(frozen=True, slots=True)
class PolicyTemplate:
    name: str
    description: str
    purpose: str
    file: str
    policy_type: str = "identity"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "purpose": self.purpose,
            "file": self.file,
            "policy_type": self.policy_type,
        }


@dataclass(frozen=True, slots=True)
class PolicyCatalogue:
    directory: Path
    templates: tuple[PolicyTemplate, ...]

    def names(self) -> list[str]:
        return [t.name for t in self.templates]

    def get(self, name: str) -> PolicyTemplate:
        for template in self.templates:
            if template.name == name:
                return template
        known = ", ".join(self.names()) or "none"
        raise InputError(f"no policy named {name!r} in the catalogue (known: {known})")

    def document(self, name: str) -> dict[str, Any]:
        """The template's policy document, parsed; a broken file is an InputError naming it."""
        template = self.get(name)
        path = self.directory / template.file
        if not path.exists():
            raise InputError(f"policy file {template.file} of {name!r} is missing")
        # Bounded, as config files are: an operator's directory may hold a device or a binary.
        text = read_config_text(path, what=f"policy file of {name!r}", syntax="JSON")
        try:
            data = parse_json(text)
        except ValueError as exc:  # UnsafeInput and JSON errors are ValueErrors
            raise InputError(
                f"policy file {template.file} of {name!r} cannot be read: {exc}"
            ) from None
        if not isinstance(data, dict):
            raise InputError(f"policy file {template.file} of {name!r} is not a JSON object")
        return data


def load_catalogue(directory: str | Path | None = None) -> PolicyCatalogue:
    """Read catalogue.json of ``directory`` (default: the shipped policies/).

    Read as every JSON input is (bot.model.safe_parse, a UTF-8 BOM accepted): json.loads raised
    RecursionError on a file nested 100,000 deep, reported without the file's name."""
    if directory:
        root = Path(directory)
    else:
        candidates = (DEFAULT_POLICIES_DIR, Path.cwd() / "policies")
        root = next((c for c in candidates if (c / "catalogue.json").exists()), candidates[0])
    path = root / "catalogue.json"
    if not path.exists():
        raise InputError(f"no policy catalogue at {path}")
    text = read_config_text(path, what="the policy catalogue", syntax="JSON")
    try:
        data = parse_json(text)
    except UnsafeInput as exc:
        raise InputError(f"the policy catalogue {path} cannot be used: {exc}") from None
    except ValueError as exc:
        raise InputError(f"the policy catalogue {path} cannot be read: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("policies"), list):
        raise InputError(f"the policy catalogue {path} has no 'policies' list")
    templates = []
    for index, item in enumerate(data["policies"]):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) and item.get(k) for k in ("name", "file")
        ):
            raise InputError(f"the policy catalogue {path}: entry {index} needs a name and a file")
        templates.append(
            PolicyTemplate(
                name=item["name"],
                description=str(item.get("description", "")),
                purpose=str(item.get("purpose", "")),
                file=item["file"],
                policy_type=str(item.get("policy_type", "identity")),
            )
        )
    return PolicyCatalogue(root, tuple(templates))

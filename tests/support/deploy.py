"""Reading what we ship but cannot run here: the Dockerfile, the k8s manifests, the CloudFormation."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"


@dataclass(frozen=True)
class Instruction:
    name: str  # upper case: FROM, RUN, CMD, …
    args: str

    def json(self) -> list[str]:
        """The exec form's argument list (CMD ["a", "b"]); HEALTHCHECK's after its options."""
        return json.loads(self.args[self.args.index("[") :])


def bare_environ(**extra: str) -> dict[str, str]:
    """This machine's environment without any setting the service reads, plus `extra`."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("RESIZER_", "AWS_", "DJANGO_"))}
    return {**environ, **extra}


def dockerfile_stages(path: Path = ROOT / "Dockerfile") -> list[list[Instruction]]:
    """Instructions per stage, continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", "\n".join(line for line in path.read_text().splitlines() if not line.startswith("#")))
    stages: list[list[Instruction]] = [[]]
    for line in filter(None, (line.strip() for line in text.splitlines())):
        name, _, args = line.partition(" ")
        if name.upper() == "FROM":
            stages.append([])
        stages[-1].append(Instruction(name.upper(), " ".join(args.split())))
    return stages[1:]


def final_stage() -> list[Instruction]:
    return dockerfile_stages()[-1]


def instruction(stage: list[Instruction], name: str) -> Instruction:
    (found,) = [item for item in stage if item.name == name]
    return found


def env_of(stage: list[Instruction]) -> dict[str, str]:
    pairs = (pair.split("=", 1) for item in stage if item.name == "ENV" for pair in item.args.split())
    return dict(pairs)


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def manifest(name: str) -> dict:
    return yaml.safe_load((K8S / name).read_text())


def deployment_container() -> dict:
    (container,) = manifest("deployment.yaml")["spec"]["template"]["spec"]["containers"]
    return container


class CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (!Ref, !Sub, !GetAtt) read as {"Fn": value}."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict:
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {suffix: value}


CloudFormationLoader.add_multi_constructor("!", _intrinsic)


def cloudformation(path: Path = ROOT / "infra" / "cloudformation.yaml") -> dict:
    return yaml.load(path.read_text(), Loader=CloudFormationLoader)  # a SafeLoader subclass

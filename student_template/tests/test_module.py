"""Tests for minitorch.module: Task 0.4."""

from __future__ import annotations

import minitorch
import pytest
from hypothesis import given

from .plain import as_bool, as_float, as_str
from .strategies import med_ints, small_floats


class ModuleA1(minitorch.Module):
    def __init__(self) -> None:
        super().__init__()
        self.p1 = minitorch.Parameter(5)
        self.non_param = 10
        self.a = ModuleA2()
        self.b = ModuleA3()


class ModuleA2(minitorch.Module):
    def __init__(self) -> None:
        super().__init__()
        self.p2 = minitorch.Parameter(10)


class ModuleA3(minitorch.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c = ModuleA4()


class ModuleA4(minitorch.Module):
    def __init__(self) -> None:
        super().__init__()
        self.p3 = minitorch.Parameter(15)


class Leaf(minitorch.Module):
    def __init__(self, size: int, value: float) -> None:
        super().__init__()
        self.parameter_a = self.add_parameter("parameter_a", value)
        for i in range(size):
            self.add_parameter(f"extra_{i}", float(i))


class Branch(minitorch.Module):
    def __init__(self, size_a: int, size_b: int, value: float) -> None:
        super().__init__()
        self.module_a = Leaf(size_a, value)
        self.module_b = Leaf(size_b, value)
        self.parameter_a = minitorch.Parameter(value)


def named(module: minitorch.Module) -> dict[str, minitorch.Parameter]:
    """``named_parameters()`` as a dict, each name read as a plain str."""
    return {as_str(name, "a name from named_parameters()"): p for name, p in module.named_parameters()}


def training(module: minitorch.Module) -> bool:
    """The module's ``training`` flag, read as a plain bool."""
    return as_bool(module.training, "Module.training")


@pytest.mark.task0_4
def test_stacked_named_parameters() -> None:
    """Parameters of nested modules are named by their dotted paths."""
    module = ModuleA1()
    parameters = named(module)
    assert sorted(parameters) == ["a.p2", "b.c.p3", "p1"]
    assert parameters["p1"] is module.p1
    assert parameters["a.p2"] is module.a.p2
    assert parameters["b.c.p3"] is module.b.c.p3
    assert as_float(parameters["b.c.p3"].value, "Parameter.value") == 15
    assert len(module.parameters()) == 3
    assert "non_param" not in parameters


@pytest.mark.task0_4
@given(med_ints, med_ints, small_floats)
def test_parameters_count(size_a: int, size_b: int, value: float) -> None:
    """parameters() returns every parameter in the tree exactly once."""
    module = Branch(size_a, size_b, value)
    assert len(module.parameters()) == 1 + (size_a + 1) + (size_b + 1)
    names = list(named(module))
    assert len(names) == len(list(module.named_parameters())), "a name appears twice"
    assert "module_a.parameter_a" in names
    assert f"module_b.extra_{size_b - 1}" in names
    assert as_float(module.module_a.parameter_a.value, "Parameter.value") == value


@pytest.mark.task0_4
@given(med_ints, med_ints)
def test_train_eval(size_a: int, size_b: int) -> None:
    """train() and eval() switch the whole tree, not just the root."""
    module = Branch(size_a, size_b, 0.0)
    module.eval()
    assert not training(module)
    assert not training(module.module_a)
    assert not training(module.module_b)
    module.train()
    assert training(module)
    assert training(module.module_a)
    assert training(module.module_b)

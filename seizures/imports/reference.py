"""The reference data an import checks names against, held in memory for the length of one import."""

from dataclasses import dataclass

from seizures.imports.fields import FieldError, closest, collapse, required, unknown
from seizures.models import Manufacturer, MinerModel, Port


@dataclass
class Reference:
    models: dict[str, MinerModel]  # by case-folded name
    manufacturers: dict[str, str]  # case-folded name → name
    ports: dict[str, Port]  # by code

    @classmethod
    def load(cls) -> "Reference":
        return cls(
            models={model.name.casefold(): model for model in MinerModel.objects.select_related("manufacturer")},
            manufacturers={name.casefold(): name for name in Manufacturer.objects.values_list("name", flat=True)},
            ports={port.code: port for port in Port.objects.all()},
        )

    def model(self, value: str) -> MinerModel:
        name = collapse(required(value))
        try:
            return self.models[name.casefold()]
        except KeyError:
            raise unknown("model", name, [model.name for model in self.models.values()]) from None

    def check_manufacturer(self, value: str, model: MinerModel) -> None:
        """The manufacturer column may be empty (the model names its maker); when given it must be the maker."""
        name = collapse(value)
        maker = model.manufacturer.name
        if not name or name.casefold() == maker.casefold():
            return
        if name.casefold() in self.manufacturers:
            raise FieldError(f"{model.name} is made by {maker}, not {self.manufacturers[name.casefold()]}")
        raise unknown(
            "manufacturer", name, list(self.manufacturers.values()), hint=f"; {model.name} is made by {maker}"
        )

    def port(self, value: str) -> Port:
        code = required(value)
        if code in self.ports:
            return self.ports[code]
        by_name = {port.name: port for port in self.ports.values()}
        suggestion = closest(code, [*self.ports, *by_name])
        port = self.ports.get(suggestion) or by_name.get(suggestion)
        if port is None:
            raise FieldError(f"unknown port code {code!r}; no known port is close (add the port in the admin first)")
        raise FieldError(f"unknown port code {code!r}; the closest known is {port.code} ({port.name})")

"""Addresses of the demo city (住所): the town-block master of Akita City, 番地 and 方書 in
the city, and addresses elsewhere (前住所, 転出先, 本籍) from Faker's ja_JP lists."""

from __future__ import annotations

from . import data
from .draws import WeightedChoice
from .names import Names
from .plans import Address, TownBlockSpec


def town_block_specs() -> list[TownBlockSpec]:
    """The town-block master: each town expanded into its 丁目, with districts."""
    specs: list[TownBlockSpec] = []
    for index, town in enumerate(data.TOWNS, start=1):
        voting = f"{(index + 1) // 2:02d}"  # two neighbouring towns share a voting district
        chomes = range(1, town.chome + 1) if town.chome else [0]
        for chome in chomes:
            name = town.name + (f"{data.CHOME_KANJI[chome]}丁目" if chome else "")
            kana = town.kana + (f"{data.CHOME_KANA[chome]}チョウメ" if chome else "")
            specs.append(TownBlockSpec(
                code=f"{index:04d}{chome:03d}", name=name, kana=kana, postcode=town.postcode,
                residence_indication=town.residence_indication, elementary=town.elementary,
                junior_high=town.junior_high, voting=voting, weight=town.weight,
            ))
    return specs


class Addresses(Names):
    """Addresses in the city and elsewhere, and domiciles (本籍)."""

    MAX_BUILDINGS_PER_BLOCK = 400  # keeps the building pool (and memory) bounded at millions

    blocks: list[TownBlockSpec]
    block_by_code: dict[str, TownBlockSpec]
    _block_pick: WeightedChoice
    _buildings: dict[str, list[tuple[str, str, str]]]  # per town block: (番地, name, kana)
    _prefectures: tuple[str, ...]
    _cities: tuple[str, ...]
    _towns: tuple[str, ...]
    _building_names: tuple[str, ...]

    def _banchi(self, block: TownBlockSpec) -> str:
        if block.residence_indication:
            return f"{self.rng.randint(1, 30)}番{self.rng.randint(1, 25)}号"
        branch = f"{self.rng.randint(1, 30)}" if self.rng.random() < 0.5 else ""
        return f"{self.rng.randint(1, 450)}番地{branch}"

    def _address(self, block: TownBlockSpec | None = None) -> Address:
        block = block or self._block_pick.pick(self.rng)
        assert block is not None
        if self.rng.random() < 0.27:  # flat in an apartment building: 方書
            pool = self._buildings.setdefault(block.code, [])
            if pool and (self.rng.random() < 0.75 or len(pool) >= self.MAX_BUILDINGS_PER_BLOCK):
                banchi, name, kana = self.rng.choice(pool)
            else:
                stem = self.rng.choice(self._building_names)
                root = block.name.split("丁目")[0][:4]
                root_kana = block.kana.split("チョウメ")[0][:6]
                banchi, name, kana = self._banchi(block), f"{stem}{root}", f"{stem}{root_kana}"
                pool.append((banchi, name, kana))
            room = f"{self.rng.randint(1, 5)}{self.rng.randint(1, 12):02d}"
            return Address(block.code, banchi, f"{name} {room}号室", f"{kana} {room}ゴウシツ",
                           katagaki_hidden=self.rng.random() < 0.02)
        return Address(block.code, self._banchi(block))

    def address_text(self, address: Address) -> str:
        block = self.block_by_code[address.block_code]
        text = f"{data.MUNICIPALITY['prefecture']}{data.MUNICIPALITY['name']}{block.name}{address.banchi}"
        return f"{text}\u3000{address.katagaki}" if address.katagaki else text

    def _elsewhere(self) -> str:
        r = self.rng.random()
        if r < 0.4:
            city = self.rng.choice(data.OTHER_AKITA_CITIES)
        elif r < 0.85:
            city = self.rng.choice(data.METROPOLITAN_CITIES)
        else:
            city = f"{self.rng.choice(self._prefectures)}{self.rng.choice(self._cities)}"
        return (f"{city}{self.rng.choice(self._towns)}{self.rng.randint(1, 5)}丁目"
                f"{self.rng.randint(1, 30)}番{self.rng.randint(1, 20)}号")

    def _domicile(self) -> str:
        if self.rng.random() < 0.7:
            town = self.rng.choice(data.TOWNS)
            return f"秋田県秋田市{town.name}{self.rng.randint(1, 300)}番地"
        choice = self.rng.choice
        return f"{choice(self._prefectures)}{choice(self._cities)}{choice(self._towns)}{self.rng.randint(1, 999)}番地"

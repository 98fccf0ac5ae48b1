"""The demo municipality (デモ自治体): a deterministic synthetic Akita City (052019).

Three stages, so that millions of residents stream with bounded memory on both cores (docs/performance.md):

1. :class:`~juki.tools.demo.generator.DemoCityGenerator` — pure Python, no database. It
   yields one :class:`~juki.tools.demo.plans.HouseholdPlan` at a time: members with names,
   dates, numbers and every version of their record, a chunk of residents at a time; a seed
   (and reference date) always gives the same city. Names and addresses are drawn from
   Faker's ja_JP lists and :mod:`~juki.tools.demo.data`. My Numbers exist in clear only
   inside these plans and the rows on their way to the parent, in memory.
2. :mod:`juki.tools.demo.rows` — turns chunks into ready-to-write rows (PostgreSQL ``COPY``
   text, SQLite tuples), in worker processes; the blind index of each My Number is computed
   there.
3. :func:`juki.tools.demo.loader.do_load_demo` — in one transaction: allocates household and
   addressee numbers from the sequence table a batch at a time, encrypts each My Number
   (AES-GCM, bound to the addressee number), writes households, persons and record versions
   with ``COPY`` / ``executemany`` (:mod:`juki.tools.demo.bulk`), rebuilds the indexes,
   analyses the tables and writes one ``DEMO_LOADED`` audit event carrying counts only.

``--residents N`` counts persons on the register at the reference date. Removed records
(除票: households that moved out, deaths, children who moved away) come on top, about 3 % of
N, each with ``retention_until`` = removal date + 150 years.

``juki demo`` (:mod:`juki.tools.demo.management.commands.demo`) loads the city and then shows
the demo staff of :mod:`juki.security.demo`.
"""

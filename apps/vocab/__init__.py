"""Shared vocabularies (OncoTree, ICD-10-CM, SNOMED CT, HGNC, DrugBank, LOINC, UCUM, HGVS p.): pure Python.

Not a Django app: plain modules whose tables load lazily, once, from fixtures/vocab and apps/vocab/data.
"""

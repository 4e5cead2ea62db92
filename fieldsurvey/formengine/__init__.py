"""The questionnaire engine: XLSForm-shaped forms (forms/, or an .xlsx) loaded into a `Form`, filled through a
`FormSession` into the household document. Pure Python — no SQLite, no Qt, no PDF. See docs/forms.md.

* `expr` — the expression language: tokenizer, parser into a tree, safe evaluator;
* `model` — the form definition read from the sheets, with located errors (`FormErrors`);
* `loader` — the CSV folder format, the installed forms and their versions;
* `xlsx` — XLSForm workbooks in and out (the only module that imports openpyxl);
* `session` — one household being filled: states, checks, roster, the document out.
"""

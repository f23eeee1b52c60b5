"""Dictionaries: the user's lists of terms per label, matched on every document as suggestions.

- ``terms_file``: reading a list (one term a line, or CSV ``term,label``); a bad line refuses
  the whole list naming ``file:line``.
- ``matcher``: one Aho-Corasick pass (pyahocorasick) finds every term in a text; case and
  whole-word rules, whole words being the tokens of ``workbench.spans.tokenize`` (so each
  Chinese or Japanese character is a word of its own).
- ``project_terms``: the terms kept in the project file (``dictionary_terms``, schema 8) and the
  jobs that build a project's matcher, match the whole project and count one text's occurrences.

Pure Python apart from the matcher's C extension; no Qt, no torch: safe on any thread.
"""

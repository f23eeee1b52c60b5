"""How much text one prediction may take.  No imports: batch jobs and the predictor both read it."""

# The model reads the first max_length word pieces of a document (a few thousand characters); the
# rest still costs words, offsets and a row of probabilities per word (a 50 MB document: 148 s and
# 9 GB).  Longer documents are not predicted: batch jobs skip them, naming their ids, and the
# predictor refuses them with a message.
MAX_DOC_CHARS = 250_000

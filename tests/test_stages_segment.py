from pipeline.record import Doc
from pipeline.stages.segment import Segment

TEXT = "Заголовок без точки\nБаку и Астана договорились. Товарооборот вырос на 50%.\n\nИльхама Алиева встретили."


def test_segment_sentences_end_at_line_breaks_and_index_the_text():
    doc = Doc("a", TEXT)
    Segment()([doc])
    assert [s.text for s in doc.sents] == ["Заголовок без точки", "Баку и Астана договорились.",
                                           "Товарооборот вырос на 50%.", "Ильхама Алиева встретили."]
    assert all(TEXT[s.start:s.end] == s.text for s in doc.sents + doc.tokens)


def test_segment_tokens_carry_lemmas():
    doc = Doc("a", TEXT)
    Segment()([doc])
    lemmas = {t.text: t.lemma for t in doc.tokens}
    assert lemmas["договорились"] == "договориться" and lemmas["Алиева"] == "алиев"

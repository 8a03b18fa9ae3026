"""Fernández-Huerta reading ease for Spanish text (the Spanish adaptation of Flesch's score).

    L = 206.84 - 60 * (syllables / words) - 1.02 * (words / sentences)

This is the form readability tools use today (textstat, legible.es): the 1959 paper's "F" term
is read as words per sentence, so longer sentences lower the score, as in Flesch's. 70 and above
reads as "fairly easy" (about the last years of primary school); the information pages in
Spanish must reach it. Blocks are split into sentences by tests/test_readability.py counts().
"""

import re
import unicodedata

from tests.test_readability import counts

_WORD = re.compile(r"[0-9A-Za-zÁÉÍÓÚÜÑáéíóúüñ][0-9A-Za-zÁÉÍÓÚÜÑáéíóúüñ'’.,-]*")
STRONG = set("aeoáéíóú")  # an accented i or u is strong: it breaks a diphthong (hiatus)
WEAK = set("iuü")
VOWELS = STRONG | WEAK


def syllables(word: str) -> int:
    """Spanish syllables: vowel nuclei, where a weak unaccented vowel joins its neighbour."""
    letters = unicodedata.normalize("NFC", word.lower())
    letters = re.sub(r"[^a-záéíóúüñ]", "", letters)
    if not letters:
        return 1  # a number is read as a word
    # Final y after a vowel is a vowel sound (hoy, muy); elsewhere a consonant.
    if letters.endswith("y") and len(letters) > 1 and letters[-2] in VOWELS:
        letters = letters[:-1] + "i"
    # The u of que, qui, gue, gui is silent.
    letters = re.sub(r"([qg])u([eéií])", r"\1\2", letters)
    count = 0
    previous = ""
    for char in letters:
        if char in VOWELS:
            if previous in VOWELS and (char in WEAK or previous in WEAK):
                pass  # a diphthong: same syllable
            else:
                count += 1
        previous = char
    return max(count, 1)


def words_of(text: str) -> list[str]:
    return [w.strip(".,-'’") for w in _WORD.findall(text) if w.strip(".,-'’")]


def reading_ease(blocks: list[str]) -> float:
    sentences, words, syllable_count = counts(blocks, words_of, syllables)
    if not words:
        return 0.0
    return 206.84 - 60 * syllable_count / words - 1.02 * words / sentences

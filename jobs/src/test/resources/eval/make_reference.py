"""Writes reference.json: what lm-evaluation-harness computes for LingSpark's eval tests, from
CPython's own random module, real jinja2 and numpy, following lm-eval's documented semantics
(fewshot: random.Random(1234).sample per eval document in order, one extra draw and the document
itself dropped when fewshot_split == test_split; bootstrap_stderr: chunks of 1000 resamples drawn by
random.Random(chunk).choices; weighted_perplexity, bits_per_byte; regex filter and exact_match).

Run from the repository root:  python3 jobs/src/test/resources/eval/make_reference.py
(needs jinja2 and numpy)."""
import json
import math
import random
import re
import string

import jinja2
import numpy as np

env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render(template, doc):
    return env.from_string(template).render(**doc)


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def contexts(test, fewshot, k, same_split, text, target, description=""):
    """Prompt of every test document: description + k examples + the document's text."""
    rnd = random.Random(1234)
    out, picks = [], []
    for doc in test:
        draw = rnd.sample(fewshot, k + 1 if same_split else k)
        chosen = [d for d in draw if d != doc][:k]
        picks.append([fewshot.index(d) for d in chosen])
        examples = "".join(text(d) + " " + target(d) + "\n\n" for d in chosen)
        out.append(description + examples + text(doc))
    return out, picks


root = "examples/eval/"
arith_test = read(root + "arithmetic/data/test.jsonl")
arith_train = read(root + "arithmetic/data/train.jsonl")
q = lambda d: render("Question: {{question}}\nAnswer:", d)
a = lambda d: render("{{answer}}", d)
arith_ctx, arith_picks = contexts(arith_test, arith_train, 3, False, q, a)
# the same task drawing its examples from the test split itself (fewshot_split: test)
arith_same_ctx, arith_same_picks = contexts(arith_test, arith_test, 3, True, q, a)

cap_test = read(root + "capitals/test.jsonl")
cap_train = read(root + "capitals/train.jsonl")
cq = lambda d: render("Question: What is the capital of {{country}}?\nAnswer:", d)
ca = lambda d: d["choices"][d["label"]]
desc = "The following are questions about the capital cities of countries.\n\n"
cap_ctx, cap_picks = contexts(cap_test, cap_train, 2, False, cq, ca, desc)


def bootstrap_stderr(f, xs, iters):
    res = []
    chunk = min(1000, iters)
    for i in range(iters // chunk):
        rnd = random.Random(i)
        for _ in range(chunk):
            res.append(f(rnd.choices(xs, k=len(xs))))
    mu = sum(res) / len(res)
    return math.sqrt(sum((x - mu) ** 2 for x in res) / (len(res) - 1))


def weighted_mean(items):
    lls, ws = zip(*items)
    return sum(lls) / sum(ws)


texts = ["The cat sat on the mat.", "  Leading spaces and trailing ones  ", "Ein Brötchen, bitte.",
         "一 二 三", "short", "Two\nlines here", "numbers 1 2 3 4 5", "tabs\tand  doubles"]
lls = [-21.5, -30.25, -18.0, -9.75, -4.5, -12.0, -15.5, -11.25]
words = [len(re.split(r"\s+", t)) for t in texts]
nbytes = [len(t.encode("utf-8")) for t in texts]
word_items = list(zip(lls, words))
byte_items = list(zip(lls, nbytes))
binary = [1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0, 1]
target_lls = [-2.5, -0.75, -3.0, -1.25, -0.5, -4.0, -1.5, -2.25]



def regex_filter(pattern, group_select, fallback, response):
    found = re.findall(pattern, response)
    if not found:
        return fallback
    try:
        hit = found[group_select]
    except IndexError:
        return fallback
    if isinstance(hit, tuple):
        hit = next((g for g in hit if g), None)
        if hit is None:
            return fallback
    return hit.strip()


responses = [" The answer is 42.", "#### 1,234\n", "x = -7 and y = 12", "no number here", "  (B) because\u00a0",
             "Answer: C", "3.5 then 4.25", "line one\nline two 9\n"]
filter_cases = []
for pattern, group in [(r"#### (\-?[0-9\.\,]+)", 0), (r"(-?[0-9]+)", 0), (r"(-?[0-9]+)", -1),
                       (r"(?:\(([A-D])\))|(?:Answer: ([A-D]))", 0), (r"^\s*(\S+)\s*$", 0), (r"(?P<n>[0-9]+)\.(?P=n)?", 0),
                       (r"two (\d)$", 0), (r"[0-9]", 5)]:
    for resp in responses:
        filter_cases.append({"pattern": pattern, "group_select": group, "response": resp,
                             "filtered": regex_filter(pattern, group, "[invalid]", resp)})


def exact_match(pred, ref, ignore_case, ignore_punct, ignore_numbers, regexes):
    for r in regexes:
        pred, ref = re.sub(r, "", pred), re.sub(r, "", ref)
    if ignore_case:
        pred, ref = pred.lower(), ref.lower()
    if ignore_punct:
        table = str.maketrans("", "", string.punctuation)
        pred, ref = pred.translate(table), ref.translate(table)
    if ignore_numbers:
        table = str.maketrans("", "", string.digits)
        pred, ref = pred.translate(table), ref.translate(table)
    return 1.0 if pred == ref else 0.0


em_cases = []
for pred, ref in [("Paris", "paris"), ("1,234", "1234"), ("Hello, World!", "hello world"), ("abc123", "abc"),
                  (" 42", "42"), ("The answer: $5", "the answer 5"), ("Ünïcode", "ünïcode")]:
    for opts in [(False, False, False, []), (True, False, False, []), (True, True, False, []),
                 (False, False, False, [",", r"\$"]), (True, True, True, [r"^\s+"])]:
        em_cases.append({"prediction": pred, "reference": ref, "ignore_case": opts[0], "ignore_punctuation": opts[1],
                         "ignore_numbers": opts[2], "regexes_to_ignore": opts[3], "score": exact_match(pred, ref, *opts)})

reference = {
    "filters": filter_cases,
    "exact_match": em_cases,
    "arithmetic": {"num_fewshot": 3, "contexts": arith_ctx, "picks": arith_picks},
    "arithmetic_same_split": {"num_fewshot": 3, "contexts": arith_same_ctx, "picks": arith_same_picks},
    "capitals": {"num_fewshot": 2, "contexts": cap_ctx, "picks": cap_picks},
    "rolling": {
        "texts": texts, "loglikelihoods": lls, "words": words, "bytes": nbytes,
        "word_perplexity": math.exp(-weighted_mean(word_items)),
        "byte_perplexity": math.exp(-weighted_mean(byte_items)),
        "bits_per_byte": -weighted_mean(byte_items) / math.log(2),
        "word_perplexity_stderr_2000": bootstrap_stderr(lambda it: math.exp(-weighted_mean(it)), word_items, 2000),
        "bits_per_byte_stderr_2000": bootstrap_stderr(lambda it: -weighted_mean(it) / math.log(2), byte_items, 2000),
    },
    "binary": {
        "values": binary, "mean": sum(binary) / len(binary),
        "stderr": float(np.std(binary, ddof=1) / math.sqrt(len(binary))),
    },
    "loglikelihood": {
        "loglikelihoods": target_lls, "perplexity": math.exp(-(sum(target_lls) / len(target_lls))),
        "perplexity_stderr_3000": bootstrap_stderr(lambda it: math.exp(-(sum(it) / len(it))), target_lls, 3000),
    },
}
with open("jobs/src/test/resources/eval/reference.json", "w", encoding="utf-8") as f:
    json.dump(reference, f, ensure_ascii=False, indent=1)

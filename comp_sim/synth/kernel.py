"""The compiled trial kernel: draw a chunk of trials and sum them into measures in one pass.

Shapes: the stream gives each trial ``words_per_trial`` uint64 words; their bytes, in memory
order, are (source months, cells, reps) for the deal cells, then the MBO bytes. ``rows``
(drawn cells, source months, reps) is the first index of each pair's row in ``amounts`` /
``counts`` (LEVELS entries a row). The measures come out float64 (measures, months, trials,
reps): each (trials, reps) slice of a month is one contiguous block, the layout the engine walks.

Each output value is summed in a register over the cells of its measure, in cell order, and
written once: a measure is the float64 sum, left to right over its cells, of the float32
amounts (or uint8 counts, or amount x the rep's mean discount, multiplied in float64), the
same additions in the same order as adding whole cell arrays with numpy, so the numbers are
the same to the bit. Reps are walked in blocks of REP_BLOCK so that the table rows of a block
(a row per cell for a month) stay in the core's own cache across the trials.

The words come from numpy's PCG64 (XSL-RR 128/64), stepped here rather than called through
numpy, so drawing a word costs a multiply and a few shifts inside the loop that uses it; the
state to start from is numpy's own, advanced to the chunk's first trial (``stream_state``), so
the words are numpy's ``random_raw`` to the bit (a test holds them equal).

The kernels compile on first use and are cached on disk (``cache=True``): a machine pays the
compile once (``prepare``). They hold no Python objects and release the GIL, so chunks run on
several threads at once.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

SUM, COUNT, TIMES_DISCOUNT = 0, 1, 2  # what a measure adds of each of its cells
LEVELS = 256  # entries of a table row
REP_BLOCK = 64  # reps a pass walks at once: their rows of one month stay in cache
MULTIPLIER_HIGH = np.uint64(2549297995355413924)  # PCG64's 128-bit LCG multiplier
MULTIPLIER_LOW = np.uint64(4865540595714422341)
WORD_MASK = (1 << 64) - 1


@intrinsic
def _high_product(typingctx, a, b):
    """The high 64 bits of the 128-bit product of two uint64 (one machine multiply)."""

    def codegen(context, builder, signature, args):
        wide = ir.IntType(128)
        product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
        return builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), ir.IntType(64))

    return types.uint64(types.uint64, types.uint64), codegen


def stream_state(bit_generator: np.random.PCG64) -> np.ndarray:
    """numpy's PCG64 state as (state high, state low, increment high, increment low) uint64."""
    state = bit_generator.state["state"]
    return np.array([state["state"] >> 64, state["state"] & WORD_MASK, state["inc"] >> 64,
                     state["inc"] & WORD_MASK], dtype=np.uint64)


@njit(cache=True, nogil=True)
def fill_words(state: np.ndarray, out: np.ndarray) -> None:
    """The stream's next ``out.size`` words into ``out`` (1-dim), as numpy's ``random_raw``
    draws them; ``state`` (see ``stream_state``) moves past them."""
    high, low, inc_high, inc_low = state[0], state[1], state[2], state[3]
    for i in range(out.size):
        product_low = low * MULTIPLIER_LOW
        product_high = _high_product(low, MULTIPLIER_LOW) + low * MULTIPLIER_HIGH + high * MULTIPLIER_LOW
        low = product_low + inc_low
        high = product_high + inc_high + np.uint64(low < product_low)
        folded = high ^ low
        turn = high >> np.uint64(58)
        out[i] = (folded >> turn) | (folded << ((np.uint64(64) - turn) & np.uint64(63)))
    state[0], state[1] = high, low


@njit(cache=True, nogil=True)
def _touch_rows(rows: np.ndarray, amounts: np.ndarray, counts: np.ndarray, counted: np.ndarray) -> bool:
    """Read a word of every cache line of the rows about to be drawn from, one row after the
    other, so that the memory system fetches them many at a time (the draws themselves, at
    random places of interleaved rows, would wait for them a few at a time). ``rows``
    (drawn cells, reps); returns whether a table holds a negative amount (never: the answer
    only keeps the reads from being left out)."""
    negative = False
    for d in range(rows.shape[0]):
        for i in range(rows.shape[1]):
            start = rows[d, i]
            for line in range(0, LEVELS, 16):
                negative |= amounts[start + line] < 0
            if counted[d]:
                for line in range(0, LEVELS, 64):
                    negative |= counts[start + line] > LEVELS
    return negative


@njit(cache=True, nogil=True)
def draw_measures(state: np.ndarray, trials: int, words_per_trial: int, cells: int, drawn: np.ndarray,
                  rows: np.ndarray, amounts: np.ndarray, counts: np.ndarray, discount: np.ndarray,
                  members: np.ndarray, kinds: np.ndarray,
                  source_month: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``trials`` trials from ``state`` (which moves past them) and sum them into measures.

    ``members`` (measures, cells) says which cells a measure adds, ``kinds`` (measures,) what
    it adds of them (SUM, COUNT, TIMES_DISCOUNT); ``source_month`` (months,) is the source
    month of each month asked for (-1: outside the source, 0 there). Returns the measures
    (measures, months, trials, reps) and the trials' words (trials, words_per_trial)."""
    reps = rows.shape[2]
    measures, months = members.shape[0], source_month.size
    words = np.empty((trials, words_per_trial), dtype=np.uint64)
    for trial in range(trials):
        fill_words(state, words[trial])
    draws = words.view(np.uint8)  # (trials, bytes), bytes in memory order
    out = np.empty((measures, months, trials, reps))

    targets = np.zeros(drawn.size, dtype=np.int64)  # how many measures add the d-th drawn cell
    target = np.zeros((drawn.size, measures), dtype=np.int64)  # which, in order
    counted = np.zeros(drawn.size, dtype=np.bool_)  # whether one of them counts deals
    for d in range(drawn.size):
        for k in range(measures):
            if members[k, drawn[d]]:
                target[d, targets[d]] = k
                targets[d] += 1
                counted[d] |= kinds[k] == COUNT
    amount = np.empty(REP_BLOCK)
    count = np.empty(REP_BLOCK)
    total = np.empty((measures, REP_BLOCK))
    negative = False
    for first_rep in range(0, reps, REP_BLOCK):
        block = min(REP_BLOCK, reps - first_rep)
        for month in range(months):
            source = source_month[month]
            if source < 0:
                out[:, month, :, first_rep:first_rep + block] = 0.0
                continue
            row = rows[:, source, first_rep:first_rep + block]
            negative |= _touch_rows(row, amounts, counts, counted)
            for trial in range(trials):
                total[:] = 0.0
                for d in range(drawn.size):
                    cell = drawn[d]
                    byte = draws[trial, (source * cells + cell) * reps + first_rep:]
                    if counted[d]:
                        for i in range(block):
                            index = np.uint64(row[d, i]) + np.uint64(byte[i])
                            amount[i] = amounts[index]
                            count[i] = counts[index]
                    else:
                        for i in range(block):
                            amount[i] = amounts[np.uint64(row[d, i]) + np.uint64(byte[i])]
                    for j in range(targets[d]):
                        k = target[d, j]
                        if kinds[k] == SUM:
                            for i in range(block):
                                total[k, i] += amount[i]
                        elif kinds[k] == COUNT:
                            for i in range(block):
                                total[k, i] += count[i]
                        else:
                            for i in range(block):
                                total[k, i] += amount[i] * discount[cell, first_rep + i]
                for k in range(measures):
                    destination = out[k, month, trial, first_rep:first_rep + block]
                    for i in range(block):
                        destination[i] = total[k, i]
    if negative:
        raise ValueError("an outcome table holds a negative amount")
    return out, words

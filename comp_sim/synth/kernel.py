"""The compiled trial kernel: draw trials and sum them into measures in one pass.

Shapes: the stream gives each trial ``words_per_trial`` uint64 words; their bytes, in memory
order, are (source months, cells, reps) for the deal cells, then the MBO bytes. ``rows``
(drawn cells, source months, reps) is the first index of each pair's row in ``amounts`` /
``counts`` (LEVELS entries a row). The measures come out float64 (measures, months, trials,
reps): each (trials, reps) slice of a month is one contiguous block, the layout the engine walks.

Each output value is summed over the cells of its measure, in cell order, in a small buffer
that stays in the core's own cache (a block of reps at a time), and written once: a measure is the float64 sum, left to right over its cells, of the float32
amounts (or uint8 counts, or amount x the rep's mean discount, multiplied in float64), the
same additions in the same order as adding whole cell arrays with numpy, so the numbers are
the same to the bit (no fused multiply-add: numba compiles without fast-math).

Where the time goes: for each block of REP_BLOCK reps and month, the pass reads the block's
table rows (1.25 kB a rep and cell) from memory once and draws from them for every trial of the
call, so the tables stream through the cache about once a chunk; the rows are asked for ahead
(prefetched) before the draws, which would otherwise wait for them one miss at a time. A chunk
of few trials (many reps) pays more per draw for its rows than one of many.

The words come from numpy's PCG64 (XSL-RR 128/64), stepped here rather than called through
numpy (faster than numpy's own ``random_raw`` call); the state to start from is numpy's own,
advanced to the first trial (``stream_state``), so the words are numpy's ``random_raw`` to the
bit (a test holds them equal).

The kernels compile on first use and are cached on disk (``cache=True``), so a machine pays the
compile once. They hold no Python objects and release the GIL, so chunks run on several
threads at once; each call is serial (``parallel`` is left off: the engine already runs a chunk
per core, and numba's default threading layer may not be entered from several threads).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

SUM, COUNT, TIMES_DISCOUNT = 0, 1, 2  # what a measure adds of each of its cells
LEVELS = 256  # entries of a table row
LINE = 64  # bytes of a cache line
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


@intrinsic
def _prefetch(typingctx, array, index):
    """Ask for the cache line of ``array[index]`` (1-dim) without waiting for it."""

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        values = context.make_array(array_type)(context, builder, args[0])
        pointer = builder.bitcast(cgutils.get_item_pointer(context, builder, array_type, values, [args[1]]),
                                  ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        prefetch = builder.module.declare_intrinsic(
            "llvm.prefetch", [pointer.type], ir.FunctionType(ir.VoidType(), [pointer.type, i32, i32, i32]))
        builder.call(prefetch, [pointer, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


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
def draw_measures(state: np.ndarray, trials: int, words_per_trial: int, cells: int, drawn: np.ndarray, rows: np.ndarray, amounts: np.ndarray, counts: np.ndarray,
                  discount: np.ndarray, members: np.ndarray, kinds: np.ndarray,
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
    for first_rep in range(0, reps, REP_BLOCK):
        block = min(REP_BLOCK, reps - first_rep)
        for month in range(months):
            source = source_month[month]
            if source < 0:
                out[:, month, :, first_rep:first_rep + block] = 0.0
                continue
            row = rows[:, source, first_rep:first_rep + block]
            for d in range(drawn.size):
                for i in range(block):
                    for entry in range(row[d, i], row[d, i] + LEVELS, LINE // 4):
                        _prefetch(amounts, entry)
                    if counted[d]:
                        for entry in range(row[d, i], row[d, i] + LEVELS, LINE):
                            _prefetch(counts, entry)
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
    return out, words

"""Reports: payouts, statements and summary tables, comparisons, statements line by line, exports."""

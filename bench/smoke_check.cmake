# The smoke test of a benchmark (cmake -Dbench=<program> -Dexpected=<n> [-Dexact=ON]
# [-Dcount_skips=ON] -P this file): `<program> --quick` must exit 0 and print at least (with exact:
# exactly) <n> RESULT lines; with count_skips, a `SKIP <name> ...` line counts as one (a comparison
# the bench could not make yet).
# Timings are never asserted. (PASS_REGULAR_EXPRESSION alone would ignore the exit code.)
execute_process(COMMAND ${bench} --quick OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${bench} --quick failed (${rc}):\n${err}")
endif()
string(REGEX MATCHALL "RESULT [a-z0-9_]+ ours=[^ ]+ base=[^ ]+ ratio=[^ ]+ unit=[^ ]+ better=(higher|lower) goal=[0-9.e+-]+\n"
       results "${out}")
list(LENGTH results count)
set(skip_word "")
if(count_skips)
  # Only the prefix: the reason may hold ';', which would split the CMake list.
  string(REGEX MATCHALL "(^|\n)SKIP [a-z0-9_]+ " skips "${out}")
  list(LENGTH skips skip_count)
  math(EXPR count "${count} + ${skip_count}")
  set(skip_word "/SKIP")
endif()
if((exact AND NOT count EQUAL expected) OR count LESS expected)
  message(FATAL_ERROR "expected ${expected} RESULT${skip_word} lines, found ${count}")
endif()

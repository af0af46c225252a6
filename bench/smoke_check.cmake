# The smoke test of a benchmark (cmake -Dbench=<program> -Dexpected=<n> [-Dexact=ON] -P this file):
# `<program> --quick` must exit 0 and print at least (with exact: exactly) <n> RESULT lines.
# Timings are never asserted. (PASS_REGULAR_EXPRESSION alone would ignore the exit code.)
execute_process(COMMAND ${bench} --quick OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${bench} --quick failed (${rc}):\n${err}")
endif()
string(REGEX MATCHALL "RESULT [a-z0-9_]+ ours=[^ ]+ base=[^ ]+ ratio=[^ ]+ unit=[^ ]+ better=(higher|lower) goal=[0-9.e+-]+\n"
       results "${out}")
list(LENGTH results count)
if((exact AND NOT count EQUAL expected) OR count LESS expected)
  message(FATAL_ERROR "expected ${expected} RESULT lines, found ${count}")
endif()

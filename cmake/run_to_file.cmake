# cmake -DCOMMAND="prog;arg;..." -DOUTPUT=file -P run_to_file.cmake: runs the command with its
# standard output going to OUTPUT, and fails (removing OUTPUT) when it exits non-zero or prints
# nothing, so a build step that generates a file from the built binary cannot leave an empty one.
execute_process(COMMAND ${COMMAND} OUTPUT_FILE ${OUTPUT}.tmp RESULT_VARIABLE status)
file(SIZE ${OUTPUT}.tmp size)
if(NOT status EQUAL 0 OR size EQUAL 0)
  file(REMOVE ${OUTPUT}.tmp)
  message(FATAL_ERROR "`${COMMAND}` failed (exit status ${status}, ${size} bytes of output)")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})

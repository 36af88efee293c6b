# The dashboard's page: core/dashboard/web/* embedded into llmgw_core as bytes by embed_web.cmake
# at build time (no tool chain: plain HTML, CSS and JS). Editing a file there rebuilds the binary.
# index.html loads the scripts in this order.
set(LLMGW_DASHBOARD_WEB_FILES index.html app.css format.js dom.js overview.js views.js live.js app.js)
set(LLMGW_DASHBOARD_WEB_DIR ${PROJECT_SOURCE_DIR}/core/dashboard/web)
set(LLMGW_DASHBOARD_WEB_CPP ${PROJECT_BINARY_DIR}/generated/dashboard_web.cpp)
list(TRANSFORM LLMGW_DASHBOARD_WEB_FILES PREPEND ${LLMGW_DASHBOARD_WEB_DIR}/ OUTPUT_VARIABLE LLMGW_DASHBOARD_WEB_PATHS)
# A ,-list: a ; inside a custom command's argument would split it.
string(REPLACE ";" "," LLMGW_DASHBOARD_WEB_LIST "${LLMGW_DASHBOARD_WEB_FILES}")
add_custom_command(
  OUTPUT ${LLMGW_DASHBOARD_WEB_CPP}
  COMMAND ${CMAKE_COMMAND} -DWEB_DIR=${LLMGW_DASHBOARD_WEB_DIR} -DFILES=${LLMGW_DASHBOARD_WEB_LIST}
          -DOUT=${LLMGW_DASHBOARD_WEB_CPP} -P ${PROJECT_SOURCE_DIR}/core/dashboard/embed_web.cmake
  DEPENDS ${LLMGW_DASHBOARD_WEB_PATHS} ${PROJECT_SOURCE_DIR}/core/dashboard/embed_web.cmake
  COMMENT "Embedding the dashboard page (core/dashboard/web)"
  VERBATIM)
target_sources(llmgw_core PRIVATE ${LLMGW_DASHBOARD_WEB_CPP})

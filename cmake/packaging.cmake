# What `cmake --install` and the Debian package (`cpack -G DEB`) install besides the binary: the
# llmgw(1) manual page and the shell completions, both generated at build time by the built
# binary (`llmgw manpage`, `llmgw completion bash|zsh|fish`), and a systemd user unit.

set(LLMGW_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated)
add_custom_command(OUTPUT ${LLMGW_GENERATED_DIR}/llmgw.1
  COMMAND ${CMAKE_COMMAND} -E make_directory ${LLMGW_GENERATED_DIR}
  COMMAND ${CMAKE_COMMAND} "-DCOMMAND=$<TARGET_FILE:llmgw>;manpage" -DOUTPUT=${LLMGW_GENERATED_DIR}/llmgw.1
          -P ${PROJECT_SOURCE_DIR}/cmake/run_to_file.cmake
  DEPENDS llmgw ${PROJECT_SOURCE_DIR}/cmake/run_to_file.cmake
  COMMENT "Generating llmgw.1 (llmgw manpage)" VERBATIM)
set(LLMGW_GENERATED_FILES ${LLMGW_GENERATED_DIR}/llmgw.1)
install(FILES ${LLMGW_GENERATED_DIR}/llmgw.1 DESTINATION share/man/man1)

# The completions come from `llmgw completion SHELL` (cli/completion.cpp). Checked at merge: the
# guard names the file that defines that subcommand.
if(EXISTS ${PROJECT_SOURCE_DIR}/cli/completion.cpp)
  set(LLMGW_COMPLETIONS bash:share/bash-completion/completions/llmgw zsh:share/zsh/vendor-completions/_llmgw
    fish:share/fish/vendor_completions.d/llmgw.fish)
  foreach(entry IN LISTS LLMGW_COMPLETIONS)
    string(REPLACE ":" ";" entry ${entry})
    list(GET entry 0 shell)
    list(GET entry 1 destination)
    get_filename_component(directory ${destination} DIRECTORY)
    get_filename_component(name ${destination} NAME)
    set(output ${LLMGW_GENERATED_DIR}/completions/${shell}/${name})
    add_custom_command(OUTPUT ${output}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${LLMGW_GENERATED_DIR}/completions/${shell}
      COMMAND ${CMAKE_COMMAND} "-DCOMMAND=$<TARGET_FILE:llmgw>;completion;${shell}" -DOUTPUT=${output}
              -P ${PROJECT_SOURCE_DIR}/cmake/run_to_file.cmake
      DEPENDS llmgw ${PROJECT_SOURCE_DIR}/cmake/run_to_file.cmake
      COMMENT "Generating the ${shell} completion (llmgw completion ${shell})" VERBATIM)
    list(APPEND LLMGW_GENERATED_FILES ${output})
    install(FILES ${output} DESTINATION ${directory})
  endforeach()
endif()
add_custom_target(llmgw_generated_docs ALL DEPENDS ${LLMGW_GENERATED_FILES})

install(FILES ${PROJECT_SOURCE_DIR}/packaging/systemd/llmgw.service DESTINATION lib/systemd/user)

# cpack -G DEB (from the build directory): llmgw_<version>_<arch>.deb installing under /usr.
set(LLMGW_MAINTAINER "llmgw maintainers <llmgw@localhost>" CACHE STRING "The Debian package's Maintainer field")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME llmgw)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${LLMGW_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${LLMGW_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "local gateway for coding agents and LLM SDKs")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "local gateway for coding agents and LLM SDKs
 llmgw runs on your machine between coding agents (Claude Code, Codex) or LLM SDKs and the
 providers (OpenAI, Anthropic, Gemini, Azure, OpenAI-compatible servers). It routes each request,
 records its tokens and cost in a local SQLite ledger, and enforces spend caps and rate limits.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# cpp-httplib and toml++ are built in (cmake/third_party.cmake). libpq is loaded only when a
# postgres:// store is opened (store/libpq.cpp): recommended, not required.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6, libstdc++6, libgcc-s1, libssl3, libsqlite3-0")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libpq5")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)

#pragma once
// `llmgw manpage` (hidden): the llmgw(1) manual page in roff, made from the same CLI11 tree as
// --help, so the page the packages install lists every subcommand and option there is.
#include <CLI/CLI.hpp>

#include <ostream>

namespace llmgw::cli {

// Writes llmgw(1) for app: its options, then each visible subcommand (depth first) with its own.
void write_manpage(const CLI::App& app, std::ostream& out);

// Adds the hidden `manpage` subcommand, which prints write_manpage(app) to stdout.
void register_manpage(CLI::App& app);

} // namespace llmgw::cli

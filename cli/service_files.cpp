#include "cli/service_files.hpp"

#include <cctype>

namespace llmgw::cli {
namespace {

// systemd: a specifier starts with '%', a variable with '$'; quote words with spaces or quotes.
std::string systemd_word(const std::string& word) {
  std::string escaped;
  bool quote = word.empty();
  for (char c : word) {
    if (c == '%')
      escaped += "%%";
    else if (c == '$')
      escaped += "$$";
    else if (c == '\\' || c == '"')
      escaped += std::string("\\") + c;
    else
      escaped += c;
    if (std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'' || c == '\\' || c == ';') quote = true;
  }
  return quote ? "\"" + escaped + "\"" : escaped;
}

std::string xml_text(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&apos;"; break;
    default: out += c;
    }
  }
  return out;
}

std::string trim(const std::string& text) {
  size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return text.substr(begin, end - begin);
}

} // namespace

std::string systemd_unit_path(const std::string& home, const std::string& xdg_config_home) {
  const std::string base =
      !xdg_config_home.empty() && xdg_config_home.front() == '/' ? xdg_config_home : home + "/.config";
  return base + "/systemd/user/" + k_systemd_unit_name;
}

std::string launchd_plist_path(const std::string& home) {
  return home + "/Library/LaunchAgents/" + k_launchd_label + ".plist";
}

std::string systemd_unit(const ServiceSpec& spec) {
  std::string exec = systemd_word(spec.binary);
  for (const auto& option : spec.options) exec += " " + systemd_word(option);
  exec += " serve";
  std::string env_file;
  for (char c : spec.env_file) env_file += c == '%' ? std::string("%%") : std::string(1, c);
  return "# llmgw as a systemd user service, written by `llmgw service install`.\n"
         "# Provider keys go in " +
         spec.env_file +
         " (KEY=VALUE lines, mode 0600).\n"
         "# Logs: journalctl --user -u llmgw\n"
         "[Unit]\n"
         "Description=llmgw, a local gateway for coding agents and LLM SDKs\n"
         "\n"
         "[Service]\n"
         "Type=simple\n"
         "ExecStart=" +
         exec +
         "\n"
         "EnvironmentFile=-" +
         env_file +
         "\n"
         "Restart=on-failure\n"
         "RestartSec=2\n"
         "TimeoutStopSec=30\n"
         "\n"
         "[Install]\n"
         "WantedBy=default.target\n";
}

std::string launchd_plist(const ServiceSpec& spec, const EnvList& environment) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                    "<plist version=\"1.0\">\n<dict>\n"
                    "  <key>Label</key>\n  <string>" +
                    std::string(k_launchd_label) +
                    "</string>\n"
                    "  <key>ProgramArguments</key>\n  <array>\n";
  out += "    <string>" + xml_text(spec.binary) + "</string>\n";
  for (const auto& option : spec.options) out += "    <string>" + xml_text(option) + "</string>\n";
  out += "    <string>serve</string>\n  </array>\n"
         "  <key>RunAtLoad</key>\n  <true/>\n"
         "  <key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>\n  </dict>\n"
         "  <key>StandardOutPath</key>\n  <string>" +
         xml_text(spec.log_dir + "/llmgw.log") +
         "</string>\n"
         "  <key>StandardErrorPath</key>\n  <string>" +
         xml_text(spec.log_dir + "/llmgw.err.log") + "</string>\n";
  if (!environment.empty()) {
    out += "  <key>EnvironmentVariables</key>\n  <dict>\n";
    for (const auto& [name, value] : environment)
      out += "    <key>" + xml_text(name) + "</key>\n    <string>" + xml_text(value) + "</string>\n";
    out += "  </dict>\n";
  }
  return out + "</dict>\n</plist>\n";
}

EnvList parse_env_file(const std::string& text) {
  EnvList out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = trim(text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    const size_t equals = line.find('=');
    if (equals == std::string::npos || equals == 0) continue;
    std::string name = trim(line.substr(0, equals));
    std::string value = trim(line.substr(equals + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

std::string env_file_template() {
  return "# Environment of `llmgw serve` when it runs as a service (`llmgw service`): provider keys,\n"
         "# one KEY=VALUE a line. Keep this file private (0600). For example:\n"
         "# ANTHROPIC_API_KEY=sk-ant-...\n"
         "# OPENAI_API_KEY=sk-...\n";
}

} // namespace llmgw::cli

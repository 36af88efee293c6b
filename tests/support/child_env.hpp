#pragma once
// The environment of a child process, built before the fork: in the child of a threaded process
// only async-signal-safe calls are safe (a setenv or a malloc can wait forever on a lock another
// thread held at the fork), so it only dup2s and execs.
#include <unistd.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace llmgw::test {

// This process's environment with `overrides` set (later ones win), as NAME=VALUE strings.
inline std::vector<std::string> environment_with(const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::map<std::string, std::string> variables;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const size_t equals = text.find('=');
    if (equals != std::string::npos) variables[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [name, value] : overrides) variables[name] = value;
  std::vector<std::string> out;
  for (const auto& [name, value] : variables) out.push_back(name + "=" + value);
  return out;
}

// argv / envp for execve: pointers into `strings`, then a null.
inline std::vector<char*> null_terminated(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& text : strings) out.push_back(text.data());
  out.push_back(nullptr);
  return out;
}

} // namespace llmgw::test

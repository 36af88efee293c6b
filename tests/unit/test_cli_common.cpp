// Helpers every subcommand shares: the gateway's dial URL and which listen addresses are local.
#include "cli/common.hpp"

#include <doctest/doctest.h>

using llmgw::cli::gateway_base_url;
using llmgw::cli::is_loopback_host;

TEST_CASE("cli: only loopback addresses and localhost count as local listen addresses") {
  for (const char* host : {"127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "[::1]", "0:0:0:0:0:0:0:1",
                           "::ffff:127.0.0.1", "localhost", "LocalHost", "localhost."})
    CHECK_MESSAGE(is_loopback_host(host), host);
  for (const char* host : {"0.0.0.0", "::", "[::]", "192.168.1.20", "10.0.0.1", "128.0.0.1", "::ffff:10.0.0.1",
                           "fe80::1", "my-laptop", "localhost.example.com", "127.0.0.1.nip.io", "", "[]"})
    CHECK_FALSE_MESSAGE(is_loopback_host(host), host);
}

TEST_CASE("cli: a wildcard listen address is dialled through loopback") {
  CHECK(gateway_base_url("0.0.0.0", 8787) == "http://127.0.0.1:8787");
  CHECK(gateway_base_url("::", 8787) == "http://[::1]:8787");
  CHECK(gateway_base_url("::1", 9000) == "http://[::1]:9000");
  CHECK(gateway_base_url("127.0.0.1", 9000) == "http://127.0.0.1:9000");
}

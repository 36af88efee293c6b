#pragma once
// A throwaway certificate authority and a server certificate it signed for 127.0.0.1 and
// localhost, made in memory with libcrypto (P-256 keys, valid for a day), for fake providers
// that speak TLS.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace llmgw::test {

struct TestCertificates {
  std::shared_ptr<X509> ca;
  std::shared_ptr<EVP_PKEY> ca_key;
  std::shared_ptr<X509> server; // subjectAltName IP:127.0.0.1, DNS:localhost; signed by ca
  std::shared_ptr<EVP_PKEY> server_key;
  std::string ca_pem; // the CA certificate, for a client's trust store (SSL_CERT_FILE)
};

// Throws std::runtime_error when libcrypto fails.
TestCertificates make_test_certificates();

} // namespace llmgw::test

#include "tests/support/test_certificates.hpp"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace llmgw::test {
namespace {

std::shared_ptr<EVP_PKEY> p256_key() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) throw std::runtime_error("test certificates: cannot generate a P-256 key");
  return {key, EVP_PKEY_free};
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) throw std::runtime_error(std::string("test certificates: bad extension ") + value);
  const int added = X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
  if (added != 1) throw std::runtime_error("test certificates: cannot add an extension");
}

// Signed by issuer (issuer_key) or, without one, by itself.
std::shared_ptr<X509> certificate(const char* common_name, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                                  long serial) {
  std::shared_ptr<X509> cert(X509_new(), X509_free);
  X509* x = cert.get();
  X509_NAME* subject = X509_get_subject_name(x);
  const bool ok = X509_set_version(x, 2) == 1 && ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1 &&
                  X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr &&
                  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600) != nullptr &&
                  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0) == 1 &&
                  X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : subject) == 1 &&
                  X509_set_pubkey(x, key) == 1;
  if (!ok) throw std::runtime_error("test certificates: cannot fill in a certificate");
  if (issuer == nullptr) {
    add_extension(x, x, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(x, issuer, NID_ext_key_usage, "serverAuth");
    add_extension(x, issuer, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  }
  if (X509_sign(x, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0)
    throw std::runtime_error("test certificates: cannot sign a certificate");
  return cert;
}

std::string pem(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) throw std::runtime_error("test certificates: cannot write PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

} // namespace

TestCertificates make_test_certificates() {
  TestCertificates made;
  made.ca_key = p256_key();
  made.ca = certificate("llmgw test CA", made.ca_key.get(), nullptr, nullptr, 1);
  made.server_key = p256_key();
  made.server = certificate("127.0.0.1", made.server_key.get(), made.ca.get(), made.ca_key.get(), 2);
  made.ca_pem = pem(made.ca.get());
  return made;
}

} // namespace llmgw::test

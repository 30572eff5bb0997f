// OpenSSL's libcrypto for Swift: the one-shot HMAC() and SHA256() that SigV4 and the digests of
// sensitive values need, and RAND_bytes() for stack keys.
// EVP_sha256() is wrapped so Swift sees a plain function returning the digest descriptor.
#ifndef TFY_COPENSSL_SHIM_H
#define TFY_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

static inline const EVP_MD *tfy_openssl_sha256(void) { return EVP_sha256(); }
#endif

/*
 * LD_PRELOAD shim that makes OpenSSL write TLS secrets in NSS key log format
 * (the format of SSLKEYLOGFILE) to the file named by $SSLKEYLOGFILE.
 * OpenSSL 3.0 has no SSLKEYLOGFILE support of its own and openvpn has no
 * key-log option, so make.sh preloads this into the openvpn client.
 *
 * With VPNSCOPE_NO_EKM=1 it also clears the TLS_KEY_EXPORT bit (8) of the
 * IV_PROTO line in the peer info the client writes into TLS (openvpn hands
 * its plaintext to OpenSSL with BIO_write), keeping the number's width: the
 * client then announces itself as a peer without TLS-EKM, as OpenVPN 2.4 and
 * 2.5 do, and the server falls back to OpenVPN's own PRF for the data keys.
 *
 *   gcc -shared -fPIC -O2 -o keylog.so keylog.c -ldl -lssl
 *
 * Test tooling only: never preload it into anything that matters.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <string.h>

static void write_line(const SSL *ssl, const char *line)
{
    (void)ssl;
    const char *path = getenv("SSLKEYLOGFILE");
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    fprintf(f, "%s\n", line);
    fclose(f);
}

SSL *SSL_new(SSL_CTX *ctx)
{
    static SSL *(*real_ssl_new)(SSL_CTX *);
    if (!real_ssl_new)
        real_ssl_new = (SSL *(*)(SSL_CTX *))dlsym(RTLD_NEXT, "SSL_new");
    if (ctx)
        SSL_CTX_set_keylog_callback(ctx, write_line);
    return real_ssl_new(ctx);
}

int BIO_write(BIO *b, const void *data, int len)
{
    static int (*real_bio_write)(BIO *, const void *, int);
    if (!real_bio_write)
        real_bio_write = (int (*)(BIO *, const void *, int))dlsym(RTLD_NEXT, "BIO_write");
    const char *flag = getenv("VPNSCOPE_NO_EKM");
    if (!flag || strcmp(flag, "1") != 0 || len <= 0 || len > 65536)
        return real_bio_write(b, data, len);
    static const char key[] = "\nIV_PROTO=";
    const char *in = data;
    const char *at = memmem(in, (size_t)len, key, sizeof key - 1);
    if (!at)
        return real_bio_write(b, data, len);
    char copy[65536];
    memcpy(copy, in, (size_t)len);
    char *digits = copy + (at - in) + sizeof key - 1;
    char *end = digits;
    while (end < copy + len && *end >= '0' && *end <= '9')
        end++;
    if (end == digits)
        return real_bio_write(b, data, len);
    long value = strtol(digits, NULL, 10) & ~8L;
    int width = (int)(end - digits);
    char text[32];
    snprintf(text, sizeof text, "%0*ld", width, value);
    memcpy(digits, text, (size_t)width);
    return real_bio_write(b, copy, len);
}

/*
 * LD_PRELOAD shim that makes OpenSSL write TLS secrets in NSS key log format
 * (the format of SSLKEYLOGFILE) to the file named by $SSLKEYLOGFILE.
 * OpenSSL 3.0 has no SSLKEYLOGFILE support of its own and openvpn has no
 * key-log option, so make.sh preloads this into the openvpn client.
 *
 *   gcc -shared -fPIC -O2 -o keylog.so keylog.c -ldl -lssl
 *
 * Test tooling only: never preload it into anything that matters.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/ssl.h>

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

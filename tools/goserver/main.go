// SPDX-License-Identifier: GPL-2.0
//
// goserver: a small Go HTTP server for the end-to-end tests of runtime
// recognition (tests/e2e/test_go_runtime.sh). Standard library only, so it
// builds offline with Debian's golang-go.
//
//	goserver -addr 127.0.0.1:18080 [-work 200]
//
// GET /work hashes -work KiB per request (CPU load on every P); GET / answers
// at once. It prints one JSON line {"event":"ready",...} once it listens.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "listen address (loopback)")
	work := flag.Int("work", 200, "KiB hashed per /work request")
	flag.Parse()

	buf := make([]byte, 1024)
	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		for i := 0; i < *work; i++ {
			h.Write(buf)
		}
		fmt.Fprintf(w, "%x\n", h.Sum(nil))
	})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "goserver:", err)
		os.Exit(1)
	}
	fmt.Printf("{\"event\":\"ready\",\"pid\":%d,\"addr\":%q,\"gomaxprocs\":%d}\n",
		os.Getpid(), ln.Addr().String(), runtime.GOMAXPROCS(0))
	if err := http.Serve(ln, nil); err != nil {
		fmt.Fprintln(os.Stderr, "goserver:", err)
		os.Exit(1)
	}
}

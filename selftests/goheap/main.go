// SPDX-License-Identifier: GPL-2.0

// goheap is the Go program selftests/memstat_test.py explains with
// 'memstat explain --go': the classic loop that allocates 256 KiB every
// 100 ms and prints HeapInuse and TotalAlloc.  After -n rounds it writes
// what a Go program serves about its memory, then exits:
//
//	-heap FILE	/debug/pprof/heap?debug=1 (pprof.Lookup("heap").WriteTo(w, 1))
//	-vars FILE	/debug/vars (expvar.Handler(), served to an httptest recorder)
//	-serve ADDR	serve net/http/pprof and expvar on ADDR, print "listening
//			on ADDR", and keep serving until standard input is closed
//
// -rate N sets runtime.MemProfileRate first, so that a short run has
// samples (selftests/profile_test.py compares the heap profile's format
// with memstat profile -f text).
//
// Built on the host by selftests/Makefile (std only: no module, offline).
package main

import (
	"expvar"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	_ "net/http/pprof"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

var keep [][]byte

func writeFile(path string, write func(w io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func heapProfile(w io.Writer) error {
	return pprof.Lookup("heap").WriteTo(w, 1)
}

func expvarJSON(w io.Writer) error {
	rec := httptest.NewRecorder()
	expvar.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/debug/vars", nil))
	_, err := w.Write(rec.Body.Bytes())
	return err
}

func main() {
	rounds := flag.Int("n", 5, "rounds of allocation")
	heap := flag.String("heap", "", "write the heap profile (debug=1) to `FILE`")
	vars := flag.String("vars", "", "write the expvar JSON to `FILE`")
	serve := flag.String("serve", "", "serve /debug/pprof and /debug/vars on `ADDR` until stdin closes")
	rate := flag.Int("rate", runtime.MemProfileRate, "runtime.MemProfileRate, `BYTES`")
	flag.Parse()
	runtime.MemProfileRate = *rate

	var ms runtime.MemStats
	for i := 0; i < *rounds; i++ {
		keep = append(keep, make([]byte, 256<<10))
		runtime.ReadMemStats(&ms)
		fmt.Printf("HeapInuse = %d, TotalAlloc = %d\n", ms.HeapInuse, ms.TotalAlloc)
		time.Sleep(100 * time.Millisecond)
	}
	if *heap != "" {
		if err := writeFile(*heap, heapProfile); err != nil {
			fmt.Fprintln(os.Stderr, "goheap:", err)
			os.Exit(1)
		}
	}
	if *vars != "" {
		if err := writeFile(*vars, expvarJSON); err != nil {
			fmt.Fprintln(os.Stderr, "goheap:", err)
			os.Exit(1)
		}
	}
	if *serve != "" {
		l, err := net.Listen("tcp", *serve)
		if err != nil {
			fmt.Fprintln(os.Stderr, "goheap:", err)
			os.Exit(1)
		}
		fmt.Printf("listening on %s\n", l.Addr())
		go http.Serve(l, nil)
		io.Copy(io.Discard, os.Stdin)
	}
	runtime.KeepAlive(keep)
}

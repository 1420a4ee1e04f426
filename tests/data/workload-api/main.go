// A stand-in for the SPIFFE Workload API, for tests/integration/svid_workload_api.sh:
// serves gRPC FetchX509SVID (HTTP/2 without TLS) on the Unix socket os.Args[1]. Mode
// "ok": one X509SVIDResponse (a fresh CA and an SVID for os.Args[3]), then the stream
// stays open as the real agent's does; "deny": trailers-only gRPC status 7. Standard
// library only (Go 1.24+).
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

func pb(num int, b []byte) []byte {
	out := []byte{byte(num<<3 | 2)}
	out = binary.AppendUvarint(out, uint64(len(b)))
	return append(out, b...)
}

func main() {
	sock := os.Args[1]
	mode := os.Args[2]
	cakey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	td, _ := url.Parse("spiffe://example.org")
	id, _ := url.Parse(os.Args[3])
	now := time.Now()
	cat := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{Organization: []string{"SPIFFE"}},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, URIs: []*url.URL{td}}
	caDER, _ := x509.CreateCertificate(rand.Reader, cat, cat, &cakey.PublicKey, cakey)
	ca, _ := x509.ParseCertificate(caDER)
	lt := &x509.Certificate{SerialNumber: big.NewInt(2), NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour),
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature, URIs: []*url.URL{id}}
	leafDER, _ := x509.CreateCertificate(rand.Reader, lt, ca, &key.PublicKey, cakey)
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	svid := append(pb(1, []byte(id.String())), pb(2, leafDER)...)
	svid = append(svid, pb(3, keyDER)...)
	svid = append(svid, pb(4, caDER)...)
	msg := pb(1, svid)
	os.Remove(sock)
	l, err := net.Listen("unix", sock)
	if err != nil {
		panic(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 || r.URL.Path != "/SpiffeWorkloadAPI/FetchX509SVID" || r.Header.Get("workload.spiffe.io") != "true" {
			w.WriteHeader(400)
			return
		}
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Trailer", "Grpc-Status, Grpc-Message")
		if mode == "deny" {
			w.Header().Set("Grpc-Status", "7")
			w.Header().Set("Grpc-Message", "no identity issued")
			w.WriteHeader(200)
			return
		}
		w.WriteHeader(200)
		frame := make([]byte, 5)
		binary.BigEndian.PutUint32(frame[1:], uint32(len(msg)))
		w.Write(append(frame, msg...))
		w.(http.Flusher).Flush()
		<-r.Context().Done() // a stream: stays open
	})
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: h, Protocols: &p}
	srv.Serve(l)
}

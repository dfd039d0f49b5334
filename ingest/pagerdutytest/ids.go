package pagerdutytest

import "strings"

// IDs look like PagerDuty's: an upper-case letter prefix followed by base-36
// characters. They are an invertible scramble of a small integer key, so the
// server can map an ID in a URL back to its record without a lookup table,
// and the same key always gives the same ID for a given seed.

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// idCodec scrambles keys of `bits` bits with an odd multiplier and a
// seed-derived xor mask (both bijections modulo 2^bits).
type idCodec struct {
	prefix byte
	bits   uint
	width  int
	mult   uint64
	inv    uint64
	mask   uint64
}

func newIDCodec(prefix byte, bits uint, width int, seed int64, salt uint64) idCodec {
	m := uint64(1)<<bits - 1
	mult := (splitmix(uint64(seed)^salt) | 1) & m
	if mult == 1 {
		mult = 0x9E3779B97F4A7C15 & m
	}
	// Newton iteration for the multiplicative inverse modulo 2^64.
	inv := mult
	for i := 0; i < 6; i++ {
		inv *= 2 - mult*inv
	}
	return idCodec{prefix: prefix, bits: bits, width: width, mult: mult, inv: inv & m,
		mask: splitmix(uint64(seed)^salt^0xA5A5A5A5) & m}
}

func (c idCodec) encode(key uint64) string {
	m := uint64(1)<<c.bits - 1
	x := ((key * c.mult) & m) ^ c.mask
	var buf [16]byte
	for i := c.width; i >= 1; i-- {
		buf[i] = idAlphabet[x%36]
		x /= 36
	}
	buf[0] = c.prefix
	return string(buf[:c.width+1])
}

// decode returns the key of id and whether id is well formed.
func (c idCodec) decode(id string) (uint64, bool) {
	if len(id) != c.width+1 || id[0] != c.prefix {
		return 0, false
	}
	var x uint64
	for i := 1; i < len(id); i++ {
		d := strings.IndexByte(idAlphabet, id[i])
		if d < 0 {
			return 0, false
		}
		x = x*36 + uint64(d)
	}
	m := uint64(1)<<c.bits - 1
	if x > m {
		return 0, false
	}
	key := ((x ^ c.mask) * c.inv) & m
	if c.encode(key) != id {
		return 0, false
	}
	return key, true
}

// splitmix is the SplitMix64 finaliser, used to derive seeds and masks.
func splitmix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

;; The normalised digest of JSONL lines for duplicate detection (compiled by scripts/build-wasm.js into
;; digest-wasm.ts; a test fails when the two drift).
;;
;; digest(start, end, out): normalise bytes [start, end) of a line into memory at `out`, then hash that copy.
;; Normalising:
;; - outside strings, whitespace is dropped (JSON formatting does not matter);
;; - inside a string, a run of whitespace (raw, or the escapes \n \r \t) becomes one space, and whitespace at the
;;   start or end of the string is dropped;
;; - every other byte is kept (an escape pair such as \" or \\ as its two bytes).
;; Inside strings, up to 16 bytes at a time (SIMD): the bytes before the first one needing a change (a control
;; byte, quote, backslash, double space) are copied as they are; that byte goes byte by byte.
;; Hashing: xxHash64-style rounds over 8-byte words, length folded in, MurmurHash3's fmix64 to finish. Returns the
;; low 32 bits; the high 32 bits are left in the global `hi`, the line's figures in `capsDigits` and `highBytes`.
;; The caller leaves 16 spare bytes after the copy.
(module
  (memory (export "memory") 1)
  (global $hi (export "hi") (mut i32) (i32.const 0))
  ;; Figures of the line's bytes for token bounds: ASCII capitals and digits, and bytes ≥ 0x80 (at least one per
  ;; non-ASCII character written raw; none at all means the line is ASCII).
  (global $capsDigits (export "capsDigits") (mut i32) (i32.const 0))
  (global $highBytes (export "highBytes") (mut i32) (i32.const 0))
  (func (export "digest") (param $i i32) (param $end i32) (param $out i32) (result i32)
    (local $o i32) (local $c i32) (local $e i32) (local $inStr i32) (local $pending i32) (local $started i32)
    (local $w i64) (local $k i32) (local $mk i32) (local $caps i32) (local $high i32) (local $sp i32)
    (local $v v128) (local $spaces v128) (local $quotes v128) (local $backslashes v128) (local $capA v128) (local $n26 v128)
    (local $digit0 v128) (local $n10 v128) (local $h i64) (local $p i32) (local $rem i32)
    (local.set $o (local.get $out))
    (local.set $spaces (i8x16.splat (i32.const 32)))
    (local.set $quotes (i8x16.splat (i32.const 34)))
    (local.set $backslashes (i8x16.splat (i32.const 92)))
    (local.set $capA (i8x16.splat (i32.const 65)))
    (local.set $n26 (i8x16.splat (i32.const 26)))
    (local.set $digit0 (i8x16.splat (i32.const 48)))
    (local.set $n10 (i8x16.splat (i32.const 10)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        ;; Fast path: inside a string, after content, with no whitespace pending, and 16 bytes left.
        (if (i32.and (i32.and (local.get $inStr) (local.get $started))
                     (i32.and (i32.eqz (local.get $pending)) (i32.le_u (i32.add (local.get $i) (i32.const 16)) (local.get $end))))
          (then
            (local.set $v (v128.load (local.get $i)))
            (local.set $sp (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $spaces))))
            ;; The first byte needing the slow path: a control byte (raw tab or newline), a quote, a backslash, or
            ;; the first of two spaces.
            (local.set $k (i32.ctz (i32.or
              (i32.or
                (i32.or (i8x16.bitmask (i8x16.lt_u (local.get $v) (local.get $spaces)))
                        (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $quotes))))
                (i32.or (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $backslashes)))
                        (i32.and (local.get $sp) (i32.shr_u (local.get $sp) (i32.const 1)))))
              (i32.const 0x10000))))
            ;; k clean bytes, not ending with a space (a space before a quote is trailing whitespace).
            (if (local.get $k)
              (then
                (if (i32.and (i32.shr_u (local.get $sp) (i32.sub (local.get $k) (i32.const 1))) (i32.const 1))
                  (then (local.set $k (i32.sub (local.get $k) (i32.const 1)))))))
            (local.set $mk (i32.sub (i32.shl (i32.const 1) (local.get $k)) (i32.const 1)))
            (local.set $caps (i32.add (local.get $caps) (i32.popcnt (i32.and (local.get $mk) (i8x16.bitmask (v128.or
              (i8x16.lt_u (i8x16.sub (local.get $v) (local.get $capA)) (local.get $n26))
              (i8x16.lt_u (i8x16.sub (local.get $v) (local.get $digit0)) (local.get $n10))))))))
            (local.set $high (i32.add (local.get $high) (i32.popcnt (i32.and (local.get $mk) (i8x16.bitmask (local.get $v))))))
            (v128.store (local.get $o) (local.get $v))
            (local.set $o (i32.add (local.get $o) (local.get $k)))
            (local.set $i (i32.add (local.get $i) (local.get $k)))
            (br_if $next (i32.eq (local.get $k) (i32.const 16)))))
        ;; Slow path: one byte.
        (local.set $c (i32.load8_u (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (if (i32.or (i32.lt_u (i32.sub (local.get $c) (i32.const 65)) (i32.const 26)) (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))
          (then (local.set $caps (i32.add (local.get $caps) (i32.const 1)))))
        (if (i32.ge_u (local.get $c) (i32.const 0x80))
          (then (local.set $high (i32.add (local.get $high) (i32.const 1)))))
        (if (i32.eqz (local.get $inStr))
          (then
            (br_if $next (i32.or (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 9)))
                                 (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 13)))))
            (i32.store8 (local.get $o) (local.get $c))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (if (i32.eq (local.get $c) (i32.const 34))
              (then
                (local.set $inStr (i32.const 1))
                (local.set $pending (i32.const 0))
                (local.set $started (i32.const 0))))
            (br $next)))
        ;; Inside a string: a quote closes it (dropping trailing whitespace).
        (if (i32.eq (local.get $c) (i32.const 34))
          (then
            (i32.store8 (local.get $o) (i32.const 34))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (local.set $inStr (i32.const 0))
            (local.set $pending (i32.const 0))
            (br $next)))
        (if (i32.or (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 9)))
                    (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 13))))
          (then
            (local.set $pending (i32.or (local.get $pending) (local.get $started)))
            (br $next)))
        (if (i32.eq (local.get $c) (i32.const 92))
          (then
            (local.set $e (if (result i32) (i32.lt_u (local.get $i) (local.get $end)) (then (i32.load8_u (local.get $i))) (else (i32.const 0))))
            (if (i32.or (i32.eq (local.get $e) (i32.const 110)) (i32.or (i32.eq (local.get $e) (i32.const 114)) (i32.eq (local.get $e) (i32.const 116))))
              (then
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (local.set $pending (i32.or (local.get $pending) (local.get $started)))
                (br $next)))
            (if (local.get $pending)
              (then
                (i32.store8 (local.get $o) (i32.const 32))
                (local.set $o (i32.add (local.get $o) (i32.const 1)))
                (local.set $pending (i32.const 0))))
            (i32.store8 (local.get $o) (i32.const 92))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (if (i32.lt_u (local.get $i) (local.get $end))
              (then
                (i32.store8 (local.get $o) (local.get $e))
                (local.set $o (i32.add (local.get $o) (i32.const 1)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))))
            (local.set $started (i32.const 1))
            (br $next)))
        (if (local.get $pending)
          (then
            (i32.store8 (local.get $o) (i32.const 32))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (local.set $pending (i32.const 0))))
        (i32.store8 (local.get $o) (local.get $c))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (local.set $started (i32.const 1))
        (br $next)))
    ;; Hash the normalised copy [out, o).
    (local.set $h (i64.const 0x27d4eb2f165667c5))
    (local.set $p (local.get $out))
    (block $hashed
      (loop $word
        (br_if $hashed (i32.gt_u (i32.add (local.get $p) (i32.const 8)) (local.get $o)))
        (local.set $h (i64.mul (i64.rotl (i64.add (local.get $h) (i64.mul (i64.load (local.get $p)) (i64.const 0xc2b2ae3d27d4eb4f))) (i64.const 31))
                               (i64.const 0x9e3779b185ebca87)))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $word)))
    (local.set $rem (i32.sub (local.get $o) (local.get $p)))
    (if (local.get $rem)
      (then
        (local.set $w (i64.and (i64.load (local.get $p))
                               (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.shl (local.get $rem) (i32.const 3)))) (i64.const 1))))
        (local.set $h (i64.mul (i64.rotl (i64.add (local.get $h) (i64.mul (local.get $w) (i64.const 0xc2b2ae3d27d4eb4f))) (i64.const 31))
                               (i64.const 0x9e3779b185ebca87)))))
    (local.set $h (i64.xor (local.get $h) (i64.extend_i32_u (i32.sub (local.get $o) (local.get $out)))))
    ;; fmix64
    (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))))
    (local.set $h (i64.mul (local.get $h) (i64.const 0xff51afd7ed558ccd)))
    (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))))
    (local.set $h (i64.mul (local.get $h) (i64.const 0xc4ceb9fe1a85ec53)))
    (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))))
    (global.set $hi (i32.wrap_i64 (i64.shr_u (local.get $h) (i64.const 32))))
    (global.set $capsDigits (local.get $caps))
    (global.set $highBytes (local.get $high))
    (i32.wrap_i64 (local.get $h))))

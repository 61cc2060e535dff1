#!/usr/bin/env bash
# Hashing benchmark: modelvet verify vs the reference model_signing and the
# hardware bound, side by side in one run. Needs: hyperfine, /usr/bin/time
# (Debian packages `hyperfine`, `time`), python3 (the reference from PyPI),
# about 7 GiB of disk in $BENCH_DIR.
#
#   scripts/bench.sh            # full run (8 x 256 MiB, 2 GiB shards, blake3)
#   BENCH_SMALL=1 scripts/bench.sh   # quick run with 8 x 32 MiB
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${BENCH_DIR:-$root/bench-data}"
venv="${OMS_VENV:-/tmp/modelvet-oms-venv}"
mb=256; big_mb=2048
if [ -n "${BENCH_SMALL:-}" ]; then mb=32; big_mb=256; fi

command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install -y hyperfine)"; exit 2; }
if [ ! -x "$venv/bin/model_signing" ]; then
  python3 -m venv "$venv" && "$venv/bin/pip" install -q -r "$root/fixtures/requirements-fixtures.txt"
fi
(cd "$root" && cargo build --release -q && cargo build --release -q --bench hash_bound 2>/dev/null || true)
mv_bin="$root/target/release/modelvet"
bound_bin="$(ls -t "$root"/target/release/deps/hash_bound-* 2>/dev/null | grep -v '\.d$' | head -1)"
key="$root/fixtures/demo/keys/demo-signer.key.pem"
pub="$root/fixtures/demo/keys/demo-signer.pub.pem"

mkdir -p "$dir"
make_model() { # dir count size_mb
  local d="$1" n="$2" s="$3"
  if [ -f "$d/.complete-$n-$s" ]; then return; fi
  rm -rf "$d"; mkdir -p "$d"
  for i in $(seq 1 "$n"); do head -c "$((s << 20))" /dev/urandom > "$d/model-$(printf %05d "$i")-of-$(printf %05d "$n").safetensors"; done
  echo '{"model_type":"bench"}' > "$d/config.json"
  touch "$d/.complete-$n-$s"
}
make_model "$dir/eight" 8 "$mb"
make_model "$dir/big" 1 "$big_mb"
rm -rf "$dir/eight-b3"; mkdir -p "$dir/eight-b3"; cp "$dir"/eight/*.safetensors "$dir"/eight/config.json "$dir/eight-b3/"
rm -f "$dir"/*/.complete-* 2>/dev/null || true; touch "$dir/eight/.complete-8-$mb" "$dir/big/.complete-1-$big_mb"

"$mv_bin" sign "$dir/eight" --key "$key" --signature "$dir/eight.sig" >/dev/null
"$mv_bin" sign "$dir/big" --key "$key" --shard-size 1000000000 --signature "$dir/big.sig" >/dev/null
"$mv_bin" sign "$dir/eight-b3" --key "$key" --hash blake3 --signature "$dir/eight-b3.sig" >/dev/null
# The reference verifies files/sha256 only (its CLI ignores the signed
# serialization), so it gets its own signature of the same 8-file model.
(cd "$dir" && "$venv/bin/model_signing" sign key --private_key "$key" --signature eight-ref.sig eight >/dev/null)

# Warm the page cache.
cat "$dir"/eight/* "$dir"/big/* "$dir"/eight-b3/* > /dev/null

echo "== hardware bound"
"$bound_bin" "$dir/eight/model-00001-of-00008.safetensors" | tee "$dir/bound.txt"
"$bound_bin" "$dir/big/model-00001-of-00001.safetensors" | grep BOUND

echo "== wall time"
hyperfine -w 1 -r 5 --export-markdown "$dir/hyperfine.md" \
  -n "modelvet verify 8 files sha256" "$mv_bin verify $dir/eight --signature $dir/eight.sig --key $pub" \
  -n "model_signing verify 8 files sha256" "cd $dir && $venv/bin/model_signing verify key --signature eight-ref.sig --public_key $pub eight" \
  -n "modelvet verify 2 GiB shards" "$mv_bin verify $dir/big --signature $dir/big.sig --key $pub" \
  -n "modelvet verify 8 files blake3" "$mv_bin verify $dir/eight-b3 --signature $dir/eight-b3.sig --key $pub"
if command -v b3sum >/dev/null; then # Debian package b3sum
  hyperfine -w 1 -r 5 -n "b3sum 8 files (multithreaded)" "b3sum $dir/eight-b3/*.safetensors"
fi

echo "== peak RSS"
for m in eight big eight-b3; do
  /usr/bin/time -v "$mv_bin" verify "$dir/$m" --signature "$dir/$m.sig" --key "$pub" 2>&1 >/dev/null | grep -E "Maximum resident" | sed "s/^/$m: /"
done
(cd "$dir" && /usr/bin/time -v "$venv/bin/model_signing" verify key --signature eight-ref.sig --public_key "$pub" eight 2>&1 >/dev/null | grep -E "Maximum resident" | sed "s/^/model_signing eight: /")

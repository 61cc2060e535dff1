// Verifies a Sigstore bundle (v0.3, DSSE or message signature) with an
// independent implementation, sigstore-js's @sigstore/verify, fully offline,
// trusting exactly one public key (PEM). Used by modelvet's interop tests.
//
//   node verify-sigstore-bundle.mjs BUNDLE.json PUBKEY.pem [ARTIFACT]
//
// Exit 0 and "VERIFIED" on success; exit 1 with the error otherwise.
import { readFileSync } from "node:fs";
import { createPublicKey } from "node:crypto";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { Verifier, toSignedEntity, toTrustMaterial } from "@sigstore/verify";

const [bundlePath, keyPath, artifactPath] = process.argv.slice(2);
try {
  const bundle = bundleFromJSON(JSON.parse(readFileSync(bundlePath, "utf8")));
  const publicKey = createPublicKey(readFileSync(keyPath, "utf8"));
  const root = TrustedRoot.fromJSON({
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [],
  });
  const trust = toTrustMaterial(root, () => ({ publicKey, validFor: () => true }));
  const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  const artifact = artifactPath ? readFileSync(artifactPath) : undefined;
  verifier.verify(toSignedEntity(bundle, artifact));
  console.log("VERIFIED");
} catch (e) {
  console.log(`FAILED: ${e.code ?? ""} ${e.message}`);
  process.exit(1);
}

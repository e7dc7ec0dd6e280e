//! The `topology` commands on proposal verdicts: `verify-certificate` on a
//! `get_proposal_verdict` reply, and `proposal --id N`, which renders a
//! verdict read from a file (a `get_proposal_verdict` or
//! `list_proposal_verdicts` reply, or a verdict's Candid bytes; hex as
//! `dfx ... --output raw` prints it, or raw bytes).

use crate::api;
use crate::certification;
use crate::error::InputError;
use std::path::Path;
use std::process::ExitCode;

/// The bytes of a reply file: hex if it reads as hex, else the bytes themselves.
pub fn reply_bytes(path: &Path) -> Result<Vec<u8>, InputError> {
    let source = path.display().to_string();
    let raw = std::fs::read(path).map_err(|e| InputError::new(&source, format!("cannot read the reply: {e}")))?;
    Ok(std::str::from_utf8(&raw).ok().map(str::trim).and_then(certification::from_hex).unwrap_or(raw))
}

/// `verify-certificate` on a `get_proposal_verdict` reply; `None` when the bytes are no such reply.
pub fn verify_verdict_reply(
    bytes: &[u8],
    source: &str,
    canister_id: &str,
    root_key: Option<&str>,
    verdict_out: Option<&Path>,
) -> Option<Result<ExitCode, InputError>> {
    let reply: api::Result<api::CertifiedProposalVerdict> = candid::decode_one(bytes).ok()?;
    Some(verify(reply, source, canister_id, root_key, verdict_out))
}

fn verify(
    reply: api::Result<api::CertifiedProposalVerdict>,
    source: &str,
    canister_id: &str,
    root_key: Option<&str>,
    verdict_out: Option<&Path>,
) -> Result<ExitCode, InputError> {
    let reply = reply.map_err(|e| InputError::new(source, format!("the reply is an error: {e:?}")))?;
    let canister = candid::Principal::from_text(canister_id)
        .map_err(|e| InputError::new("--canister-id", format!("not a principal: {e}")))?;
    let root_key = certification::from_hex(root_key.unwrap_or(certification::IC_ROOT_KEY_DER_HEX))
        .ok_or_else(|| InputError::new("--root-key", "not hexadecimal"))?;
    let Some(certificate) = &reply.certificate else {
        return Err(InputError::new(
            source,
            "the reply has no certificate: call get_proposal_verdict as a query (dfx canister call --query)",
        ));
    };
    let id = reply.verdict.proposal_id;
    match certification::verify_proposal_verdict(
        id,
        &reply.verdict_candid,
        certificate,
        &reply.witness,
        canister.as_slice(),
        &root_key,
    ) {
        Ok(certified) => {
            let verdict: api::ProposalVerdict = candid::decode_one(&reply.verdict_candid)
                .map_err(|e| InputError::new(source, format!("the certified bytes are not a ProposalVerdict: {e}")))?;
            if verdict.proposal_id != id {
                return Err(InputError::new(source, "the certified verdict is of another proposal"));
            }
            if let Some(path) = verdict_out {
                std::fs::write(path, &reply.verdict_candid)
                    .map_err(|e| InputError::new(path.display().to_string(), format!("cannot write: {e}")))?;
            }
            println!(
                "certified: canister {} verdict on proposal {id} (certificate time {} ns)",
                canister.to_text(),
                certified.time_nanos
            );
            print!("{}", super::render::render(&verdict));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("rejected: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// The verdict on proposal `id` in the file's bytes.
pub fn verdict_in(bytes: &[u8], id: u64, source: &str) -> Result<api::ProposalVerdict, InputError> {
    let found = if let Ok(r) = candid::decode_one::<api::Result<api::CertifiedProposalVerdict>>(bytes) {
        let r = r.map_err(|e| InputError::new(source, format!("the reply is an error: {e:?}")))?;
        vec![candid::decode_one::<api::ProposalVerdict>(&r.verdict_candid).unwrap_or(r.verdict)]
    } else if let Ok(r) = candid::decode_one::<api::Result<api::ProposalVerdictPage>>(bytes) {
        r.map_err(|e| InputError::new(source, format!("the reply is an error: {e:?}")))?.verdicts
    } else if let Ok(v) = candid::decode_one::<api::ProposalVerdict>(bytes) {
        vec![v]
    } else {
        return Err(InputError::new(
            source,
            "neither a get_proposal_verdict nor a list_proposal_verdicts reply, nor a ProposalVerdict (Candid)",
        ));
    };
    found
        .into_iter()
        .find(|v| v.proposal_id == id)
        .ok_or_else(|| InputError::new(source, format!("holds no verdict on proposal {id}")))
}

/// `topology proposal --id N FILE`: the verdict as text.
pub fn run_proposal(id: u64, file: &Path) -> Result<ExitCode, InputError> {
    let bytes = reply_bytes(file)?;
    let verdict = verdict_in(&bytes, id, &file.display().to_string())?;
    print!("{}", super::render::render(&verdict));
    Ok(ExitCode::SUCCESS)
}

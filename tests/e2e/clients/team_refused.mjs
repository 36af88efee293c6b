// Team mode refuses the shared gateway token (only virtual keys are accepted): both SDKs, sent
// the token through the proxy, must get a 401 in their own API's error shape, which they parse.
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { check, check_equal, gateway_from_env, run_steps } from "./expect.mjs";

const { url, token } = gateway_from_env();
const options = { apiKey: token, maxRetries: 0, timeout: 30_000 };

// The call must fail with the SDK's 401 error; returns it.
async function refused(call, where) {
  try {
    await call();
  } catch (error) {
    check_equal(error.status, 401, `${where}: status`);
    return error;
  }
  throw new Error(`${where}: the gateway token was accepted in team mode`);
}

async function openai_refused() {
  const client = new OpenAI({ ...options, baseURL: `${url}/v1` });
  const error = await refused(
    () => client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "say hi" }] }),
    "openai chat");
  check(error instanceof OpenAI.AuthenticationError, "openai: an AuthenticationError");
  // OpenAI's shape: {"error":{"message","type",...}}; the SDK exposes the inner object.
  check_equal(error.error?.type, "authentication_error", "openai: error.type");
  check(typeof error.error?.message === "string" && error.error.message.length > 0, "openai: error.message");
  check(!error.error.message.includes(token), "openai: the message does not echo the token");
}

async function anthropic_refused() {
  const client = new Anthropic({ ...options, baseURL: url });
  const error = await refused(
    () => client.messages.create({ model: "claude-sonnet-4-5", max_tokens: 16, messages: [{ role: "user", content: "say hi" }] }),
    "anthropic messages");
  check(error instanceof Anthropic.AuthenticationError, "anthropic: an AuthenticationError");
  // Anthropic's shape: {"type":"error","error":{"type","message"}}; the SDK exposes the whole body.
  check_equal(error.error?.type, "error", "anthropic: body type");
  check_equal(error.error?.error?.type, "authentication_error", "anthropic: error.type");
  check(!JSON.stringify(error.error).includes(token), "anthropic: the body does not echo the token");
}

await run_steps([
  ["openai SDK with the gateway token: 401", openai_refused],
  ["anthropic SDK with the gateway token: 401", anthropic_refused],
]);

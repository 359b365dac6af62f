/**
 * Compile-time check that the IPC contract's account schemas (app/contract/accounts.ts) and
 * core's model (app/core/accounts/model.ts) describe the same shapes. Neither may import the
 * other, so the duplication is checked here, where both are visible: if they drift apart, this
 * file stops compiling. (The behaviour side is in test/app/accounts-ipc.test.ts.)
 */
import type * as contract from '../contract/accounts';
import type * as core from '../core/accounts/model';
import type * as contractDomain from '../contract/domain';
import type * as coreDomain from '../core/explain/domain-view';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export const ACCOUNT_SHAPES_MATCH: [
  Equal<contract.Account, core.Account>,
  Equal<contract.NewAccount, core.NewAccount>,
] = [true, true];

/** Arrays and fields made read-only all the way down, as core's views are declared. */
type Frozen<T> = T extends readonly (infer E)[]
  ? readonly Frozen<E>[]
  : T extends object
    ? { readonly [K in keyof T]: Frozen<T[K]> }
    : T;
type Fits<A, B> = [A] extends [B] ? true : false;

/** The domain view core makes (explain/domain-view.ts) fits what the contract lets through. */
export const DOMAIN_VIEW_FITS: Fits<
  coreDomain.DomainView,
  Frozen<contractDomain.DomainView>
> = true;

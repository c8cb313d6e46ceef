//! A synthetic AWS estate: the plan of who exists and what is attached to whom, from which
//! the writers derive the account-authorization dump and the credential report.
//!
//! Every entity's facts come from its own random stream (seed, entity kind, index), so the
//! writers can produce entries one at a time, in any order, and twice over, always with the
//! same result. Only the totals that entries refer to (policy attachment counts) are kept in
//! memory.

mod documents;
mod dump;
mod entities;
mod report;
mod time;

use std::path::Path;

use anyhow::{Context as _, bail};

use crate::rng::Rng;

pub use entities::{RoleFacts, TrustShape, UserFacts};

/// The account every generated identity belongs to.
pub const ACCOUNT: &str = "111122223333";

/// Most managed policies one user, role or group can have attached (the IAM quota can be
/// raised to 20).
pub const MAX_MANAGED_PER_PRINCIPAL: usize = 20;

/// Most inline policies the generator gives one principal.
pub const MAX_INLINE_PER_PRINCIPAL: usize = 2;

/// File names written into the output folder.
pub const DUMP_FILE: &str = "account-authorization.json";
pub const REPORT_FILE: &str = "credential-report.json";

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Users plus roles.
    pub principals: usize,
    /// Managed policy attachments plus inline policies, over users, roles and groups.
    pub attachments: usize,
    pub seed: u64,
}

impl Spec {
    /// A spec with the default density of 10 policy attachments per principal.
    pub fn with_default_attachments(principals: usize, seed: u64) -> Spec {
        Spec {
            principals,
            attachments: principals * 10,
            seed,
        }
    }
}

/// Stream kinds, so that each entity kind and each concern draws its own numbers.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub(crate) enum Stream {
    Role = 1,
    User = 2,
    Group = 3,
    Policy = 4,
    RoleAttachments = 5,
    UserAttachments = 6,
    Pairs = 7,
    Memberships = 8,
}

/// The planned estate.
#[derive(Debug)]
pub struct Estate {
    pub spec: Spec,
    pub roles: usize,
    pub users: usize,
    pub groups: usize,
    /// Customer-managed policies, the first [`documents::BOUNDARY_POLICIES`] of them
    /// permission boundaries.
    pub customer_policies: usize,
    /// Attachments left for users and roles once groups have theirs.
    principal_attachments: usize,
    /// How often each policy of the pool is attached, by pool index.
    pub attachment_counts: Vec<usize>,
    /// How often each customer-managed policy is a permission boundary.
    pub boundary_counts: Vec<usize>,
}

/// One principal's or group's policies.
#[derive(Debug, Default, Clone)]
pub struct Attachments {
    /// Indexes into the policy pool: AWS-provided policies first, then customer-managed ones.
    pub managed: Vec<usize>,
    /// Template numbers of inline policies.
    pub inline: Vec<usize>,
}

impl Estate {
    /// Plans an estate and counts the attachments of every policy.
    pub fn plan(spec: Spec) -> anyhow::Result<Estate> {
        if spec.principals < 2 {
            bail!(
                "an estate needs at least 2 principals, got {}",
                spec.principals
            );
        }
        let roles = spec.principals * 3 / 5;
        let users = spec.principals - roles;
        let groups = (users / 25).max(3);
        let customer_policies = (spec.principals / 20).max(30);
        let group_attachments: usize = (0..groups).map(group_attachment_count).sum();
        let Some(principal_attachments) = spec.attachments.checked_sub(group_attachments) else {
            bail!(
                "{} attachments are too few: the {groups} groups alone take {group_attachments}",
                spec.attachments
            );
        };
        let most = spec.principals * (MAX_MANAGED_PER_PRINCIPAL + MAX_INLINE_PER_PRINCIPAL);
        if principal_attachments > most {
            bail!(
                "{} attachments are too many for {} principals: at most {} managed and {} inline policies each",
                spec.attachments,
                spec.principals,
                MAX_MANAGED_PER_PRINCIPAL,
                MAX_INLINE_PER_PRINCIPAL
            );
        }

        let mut estate = Estate {
            spec,
            roles,
            users,
            groups,
            customer_policies,
            principal_attachments,
            attachment_counts: Vec::new(),
            boundary_counts: Vec::new(),
        };
        estate.count_attachments();
        Ok(estate)
    }

    /// Size of the policy pool: AWS-provided policies, then customer-managed ones.
    pub fn pool_size(&self) -> usize {
        documents::PROVIDED.len() + self.customer_policies
    }

    fn count_attachments(&mut self) {
        let mut counts = vec![0; self.pool_size()];
        let mut boundaries = vec![0; self.customer_policies];
        for role in 0..self.roles {
            for &policy in &self.role_attachments(role).managed {
                counts[policy] += 1;
            }
            if let Some(boundary) = self.role(role).boundary {
                boundaries[boundary] += 1;
            }
        }
        for user in 0..self.users {
            for &policy in &self.user_attachments(user).managed {
                counts[policy] += 1;
            }
            if let Some(boundary) = self.user(user).boundary {
                boundaries[boundary] += 1;
            }
        }
        for group in 0..self.groups {
            for &policy in &self.group_attachments(group).managed {
                counts[policy] += 1;
            }
        }
        self.attachment_counts = counts;
        self.boundary_counts = boundaries;
    }

    /// Returns how many policies principal `index` (roles first, then users) has: the even
    /// share of the attachments, moved up or down by up to half of it in pairs, so that the
    /// total stays exact.
    fn principal_total(&self, index: usize) -> usize {
        let principals = self.spec.principals;
        let base = self.principal_attachments / principals;
        let remainder = self.principal_attachments % principals;
        let share = base + usize::from(index < remainder);

        let pair = index / 2;
        let partner = if index.is_multiple_of(2) {
            index + 1
        } else {
            index - 1
        };
        if partner >= principals {
            return share;
        }
        let partner_share = base + usize::from(partner < remainder);
        let ceiling = MAX_MANAGED_PER_PRINCIPAL + MAX_INLINE_PER_PRINCIPAL;
        let (low, high) = if index.is_multiple_of(2) {
            (share, partner_share)
        } else {
            (partner_share, share)
        };
        let room = low.min(ceiling.saturating_sub(high)) / 2;
        let shift = Rng::stream(self.spec.seed, Stream::Pairs as u64, pair).below(room + 1);
        if index.is_multiple_of(2) {
            share - shift
        } else {
            share + shift
        }
    }

    /// Splits a principal's total into inline and managed policies and picks the managed ones.
    fn principal_attachments(&self, total: usize, rng: &mut Rng) -> Attachments {
        let mut inline_count = match rng.below(100) {
            0..=64 => 0,
            65..=94 => 1,
            _ => 2,
        };
        inline_count = inline_count.min(total);
        if total - inline_count > MAX_MANAGED_PER_PRINCIPAL {
            inline_count = total - MAX_MANAGED_PER_PRINCIPAL;
        }
        let managed_count = total - inline_count;

        let mut managed = self.pick_policies(managed_count, rng);
        if managed_count > 0 && rng.per_mille(3) {
            managed[0] = documents::ADMINISTRATOR_ACCESS;
            managed.sort_unstable();
            managed.dedup();
            while managed.len() < managed_count {
                let extra = self.pick_policy(rng);
                if !managed.contains(&extra) {
                    managed.push(extra);
                }
            }
        }
        let inline = (0..inline_count)
            .map(|_| rng.below(documents::INLINE_TEMPLATES))
            .collect();
        Attachments { managed, inline }
    }

    /// Picks `count` distinct policies of the pool, favouring the common ones.
    fn pick_policies(&self, count: usize, rng: &mut Rng) -> Vec<usize> {
        let mut picked: Vec<usize> = Vec::with_capacity(count);
        while picked.len() < count {
            let policy = self.pick_policy(rng);
            if !picked.contains(&policy) {
                picked.push(policy);
            }
        }
        picked
    }

    /// Picks one attachable policy: never a boundary policy and never the administrator
    /// policy, which [`Estate::principal_attachments`] hands out on purpose.
    fn pick_policy(&self, rng: &mut Rng) -> usize {
        let provided = documents::PROVIDED.len();
        loop {
            let policy = if rng.below(100) < 35 {
                rng.skewed(provided)
            } else {
                provided
                    + documents::BOUNDARY_POLICIES
                    + rng.skewed(self.customer_policies - documents::BOUNDARY_POLICIES)
            };
            if policy != documents::ADMINISTRATOR_ACCESS {
                return policy;
            }
        }
    }

    pub fn role_attachments(&self, role: usize) -> Attachments {
        let mut rng = Rng::stream(self.spec.seed, Stream::RoleAttachments as u64, role);
        self.principal_attachments(self.principal_total(role), &mut rng)
    }

    pub fn user_attachments(&self, user: usize) -> Attachments {
        let mut rng = Rng::stream(self.spec.seed, Stream::UserAttachments as u64, user);
        self.principal_attachments(self.principal_total(self.roles + user), &mut rng)
    }

    pub fn group_attachments(&self, group: usize) -> Attachments {
        let mut rng = Rng::stream(self.spec.seed, Stream::Group as u64, group);
        let managed = self.pick_policies(group_attachment_count(group), &mut rng);
        Attachments {
            managed,
            inline: Vec::new(),
        }
    }

    /// Returns the groups a user is a member of: none for about one user in five, else one
    /// to three.
    pub fn user_groups(&self, user: usize) -> Vec<usize> {
        let mut rng = Rng::stream(self.spec.seed, Stream::Memberships as u64, user);
        let count = match rng.below(10) {
            0 | 1 => 0,
            2..=6 => 1,
            7 | 8 => 2,
            _ => 3,
        };
        let mut groups: Vec<usize> = Vec::with_capacity(count);
        while groups.len() < count.min(self.groups) {
            let group = rng.skewed(self.groups);
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
        groups
    }

    /// Total of managed attachments and inline policies in the estate, as written.
    pub fn attachment_total(&self) -> usize {
        let roles: usize = (0..self.roles)
            .map(|role| {
                let attachments = self.role_attachments(role);
                attachments.managed.len() + attachments.inline.len()
            })
            .sum();
        let users: usize = (0..self.users)
            .map(|user| {
                let attachments = self.user_attachments(user);
                attachments.managed.len() + attachments.inline.len()
            })
            .sum();
        let groups: usize = (0..self.groups).map(group_attachment_count).sum();
        roles + users + groups
    }

    /// Writes the dump and the credential report into `folder`, creating it if needed.
    pub fn write(&self, folder: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create `{}`", folder.display()))?;
        dump::write_dump(self, &folder.join(DUMP_FILE))?;
        report::write_report(self, &folder.join(REPORT_FILE))?;
        Ok(())
    }
}

/// Managed policies of one group: one to four.
fn group_attachment_count(group: usize) -> usize {
    1 + group % 4
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn attachments_add_up_to_spec() {
        for principals in [2, 3, 100, 1_001] {
            let spec = Spec::with_default_attachments(principals, 9);
            let estate = Estate::plan(spec).unwrap();
            assert_eq!(estate.attachment_total(), spec.attachments, "{principals}");
        }
    }

    #[test]
    fn principals_split_into_roles_and_users() {
        let estate = Estate::plan(Spec::with_default_attachments(1_000, 1)).unwrap();
        assert_eq!(estate.roles + estate.users, 1_000);
        assert_eq!(estate.roles, 600);
    }

    #[test]
    fn managed_policies_are_distinct_and_within_quota() {
        let estate = Estate::plan(Spec::with_default_attachments(500, 3)).unwrap();
        for role in 0..estate.roles {
            let mut managed = estate.role_attachments(role).managed;
            assert!(managed.len() <= MAX_MANAGED_PER_PRINCIPAL);
            let before = managed.len();
            managed.sort_unstable();
            managed.dedup();
            assert_eq!(managed.len(), before);
        }
    }

    #[test]
    fn too_many_attachments_are_rejected() {
        let spec = Spec {
            principals: 10,
            attachments: 1_000,
            seed: 1,
        };
        let error = Estate::plan(spec).unwrap_err().to_string();
        assert!(error.contains("too many"), "{error}");
    }
}

import { Query, Resolver } from 'type-graphql';
import { PRIVACY_POLICY, type PrivacyPolicy } from '../../services/privacy-policy.js';
import { PrivacyPolicyType } from '../types/privacy-policy.type.js';

@Resolver()
export class PrivacyResolver {
  @Query(() => PrivacyPolicyType, { description: 'Public: the consent text, its version and the retention rules.' })
  privacyPolicy(): PrivacyPolicy {
    return PRIVACY_POLICY;
  }
}
